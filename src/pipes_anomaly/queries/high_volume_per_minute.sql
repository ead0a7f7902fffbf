-- name: high_volume_per_minute
-- title: High volume per minute
-- attack: TA0001 Initial Access / T1078 Valid Accounts
-- attack: TA0009 Collection / T1119 Automated Collection
WITH rates AS (
    SELECT actor_id, actor_handle, created_at, action_type,
        count(*) OVER (
            PARTITION BY actor_id ORDER BY created_at
            RANGE BETWEEN INTERVAL 59 SECOND PRECEDING AND CURRENT ROW) AS records_in_60s
    FROM pipes_audit_log
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at,
    max(records_in_60s) AS max_records_in_60s,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
FROM rates
WHERE records_in_60s >= 10
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
