-- name: dormant_reactivation
-- title: Dormant reactivation
-- attack: TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts
WITH days AS (
    SELECT actor_id, created_at::DATE AS day, any_value(actor_handle) AS actor_handle,
        min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS records
    FROM pipes_audit_log
    GROUP BY actor_id, created_at::DATE
),
gaps AS (
    SELECT *, lag(day) OVER (PARTITION BY actor_id ORDER BY day) AS previous_day
    FROM days
)
SELECT actor_id, actor_handle, day, first_at, last_at, previous_day,
    day - previous_day AS idle_days, records
FROM gaps
WHERE day - previous_day >= 14
ORDER BY day, actor_id;
