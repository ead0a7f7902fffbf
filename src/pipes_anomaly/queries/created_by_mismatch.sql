-- name: created_by_mismatch
-- title: Acting-id mismatch
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.001 Application Access Token
-- attack: TA0005 Defense Evasion / T1036 Masquerading
WITH records AS (
    SELECT actor_id, actor_handle, created_at, action_type, data,
        lower(regexp_extract(action_type, '[^.]*$')) AS verb,
        timezone('UTC', try_cast(data ->> 'created_at' AS TIMESTAMPTZ)) AS data_created_at
    FROM pipes_audit_log
),
acting AS (
    SELECT actor_id, actor_handle, created_at, action_type,
        CASE
            -- an action that makes a resource names its maker in data.created_by when data
            -- is what it made; data created well before the record is an older object
            WHEN verb IN ('create', 'add', 'install')
                AND coalesce(data_created_at >= created_at - INTERVAL 10 MINUTE, true)
                THEN coalesce(data ->> 'created_by_id', data -> 'created_by' ->> 'id')
            -- an action that changed data names who acted in data.updated_by
            WHEN verb IN ('update', 'delete', 'uninstall', 'dissociate', 'create', 'add', 'install')
                THEN coalesce(data ->> 'updated_by_id', data -> 'updated_by' ->> 'id')
        END AS recorded_actor
    FROM records
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS mismatched_records,
    string_agg(DISTINCT recorded_actor, ', ' ORDER BY recorded_actor) AS recorded_actors,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
FROM acting
WHERE recorded_actor IS NOT NULL
  AND actor_id IS DISTINCT FROM recorded_actor
  AND actor_id NOT LIKE 'handle:%'
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
