-- name: off_hours
-- title: Off-hours activity
-- attack: TA0001 Initial Access / T1078 Valid Accounts
WITH hours AS (
    SELECT actor_id, created_at::DATE AS day, hour(created_at) AS hr, count(*) AS n,
        min(created_at) AS first_at, max(created_at) AS last_at
    FROM pipes_audit_log
    GROUP BY ALL
),
active_days AS (
    SELECT DISTINCT actor_id, day FROM hours
),
history AS (
    -- for each (actor, day, hour): earlier active days, and earlier days active near this hour
    SELECT h.actor_id, h.day, h.hr,
        (SELECT count(*) FROM active_days AS a
         WHERE a.actor_id = h.actor_id AND a.day < h.day) AS prior_days,
        (SELECT count(DISTINCT o.day) FROM hours AS o
         WHERE o.actor_id = h.actor_id AND o.day < h.day
           AND least(abs(o.hr - h.hr), 24 - abs(o.hr - h.hr)) <= 1) AS prior_days_near_hour
    FROM hours AS h
),
off AS (
    SELECT h.*, y.prior_days, y.prior_days_near_hour
    FROM hours AS h
    JOIN history AS y USING (actor_id, day, hr)
    WHERE y.prior_days >= 5 AND y.prior_days_near_hour < 0.05 * y.prior_days
)
SELECT o.actor_id, max(l.actor_handle) AS actor_handle, o.day,
    min(o.first_at) AS first_at, max(o.last_at) AS last_at,
    sum(o.n) AS off_hours_records, string_agg(o.hr::VARCHAR, ',' ORDER BY o.hr) AS utc_hours,
    max(o.prior_days) AS prior_active_days
FROM off AS o
JOIN (SELECT actor_id, max(actor_handle) AS actor_handle
      FROM pipes_audit_log GROUP BY actor_id) AS l USING (actor_id)
GROUP BY o.actor_id, o.day
HAVING sum(o.n) >= 2
ORDER BY o.day, o.actor_id;
