-- name: dormant_reactivation
-- title: Dormant reactivation
-- attack: TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts
WITH days AS (
    SELECT actor_id, created_at::DATE AS day, max(actor_handle) AS actor_handle,
        min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS records
    FROM pipes_audit_log
    GROUP BY actor_id, created_at::DATE
),
logged AS (  -- a day with no record of anyone (a missing export) is no one's absence
    SELECT DISTINCT day FROM days
),
gaps AS (
    SELECT *, lag(day) OVER (PARTITION BY actor_id ORDER BY day) AS previous_day
    FROM days
),
idle AS (
    SELECT g.*, 1 + (
        SELECT count(*) FROM logged l WHERE l.day > g.previous_day AND l.day < g.day
    ) AS idle_days
    FROM gaps g
    WHERE g.previous_day IS NOT NULL
)
SELECT actor_id, actor_handle, day, first_at, last_at, previous_day, idle_days, records
FROM idle
WHERE idle_days >= 14
ORDER BY day, actor_id;
