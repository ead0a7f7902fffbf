-- name: created_by_mismatch
-- title: `created_by` mismatch
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.001 Application Access Token
-- attack: TA0005 Defense Evasion / T1036 Masquerading
SELECT actor_id, any_value(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS mismatched_records,
    string_agg(DISTINCT coalesce(data ->> 'created_by_id', data -> 'created_by' ->> 'id'), ', ')
        AS recorded_created_by,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
FROM pipes_audit_log
WHERE coalesce(data ->> 'created_by_id', data -> 'created_by' ->> 'id') IS NOT NULL
  AND actor_id IS DISTINCT FROM coalesce(data ->> 'created_by_id', data -> 'created_by' ->> 'id')
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
