-- name: ip_hopping
-- title: IP hopping
-- attack: TA0001 Initial Access / T1078 Valid Accounts
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.004 Web Session Cookie
WITH nets AS (
    SELECT actor_id, actor_handle, created_at, actor_ip,
        CASE WHEN actor_ip LIKE '%:%'
            THEN array_to_string(string_split(actor_ip, ':')[1:4], ':')
            ELSE regexp_extract(actor_ip, '^(\d+\.\d+)\.', 1) END AS network
    FROM pipes_audit_log
    WHERE actor_ip IS NOT NULL
),
steps AS (
    SELECT *,
        lag(created_at) OVER w AS prev_at, lag(actor_ip) OVER w AS prev_ip,
        lag(network) OVER w AS prev_network
    FROM nets
    WINDOW w AS (PARTITION BY actor_id ORDER BY created_at)
)
SELECT actor_id, any_value(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(prev_at) AS first_at, max(created_at) AS last_at, count(*) AS network_switches,
    string_agg(DISTINCT prev_ip || ' -> ' || actor_ip, ', ') AS hops
FROM steps
WHERE network <> prev_network AND created_at - prev_at < INTERVAL 30 MINUTE
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
