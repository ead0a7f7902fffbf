-- name: created_by_mismatch
-- title: Acting-id mismatch
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.001 Application Access Token
-- attack: TA0005 Defense Evasion / T1036 Masquerading
WITH acting AS (
    SELECT actor_id, actor_handle, created_at, action_type,
        CASE
            -- on a create, add or install, data names the actor only when it is what it made;
            -- data created well before the record is an older object (an organisation)
            WHEN (action_type LIKE '%.create' OR action_type LIKE '%.add'
                    OR action_type LIKE '%.install')
                AND coalesce(timezone('UTC', try_cast(data ->> 'created_at' AS TIMESTAMPTZ))
                    >= created_at - INTERVAL 10 MINUTE, true)
                THEN coalesce(data ->> 'created_by_id', data -> 'created_by' ->> 'id')
            -- an action that changed data: its updater is who acted
            WHEN action_type LIKE '%.update' OR action_type LIKE '%.create'
                OR action_type LIKE '%.add' OR action_type LIKE '%.install'
                OR action_type LIKE '%.delete' OR action_type LIKE '%.uninstall'
                OR action_type LIKE '%.dissociate'
                THEN coalesce(data ->> 'updated_by_id', data -> 'updated_by' ->> 'id')
        END AS recorded_actor
    FROM pipes_audit_log
)
SELECT actor_id, any_value(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS mismatched_records,
    string_agg(DISTINCT recorded_actor, ', ') AS recorded_actors,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
FROM acting
WHERE recorded_actor IS NOT NULL
  AND actor_id IS DISTINCT FROM recorded_actor
  AND actor_id NOT LIKE 'handle:%'
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
