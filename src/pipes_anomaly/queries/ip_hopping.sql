-- name: ip_hopping
-- title: IP hopping
-- attack: TA0001 Initial Access / T1078 Valid Accounts
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.004 Web Session Cookie
WITH nets AS (
    SELECT actor_id, actor_handle, created_at, actor_ip, coalesce(identity_id, actor_id) AS org,
        CASE WHEN actor_ip LIKE '%:%'
            THEN array_to_string(string_split(actor_ip, ':')[1:4], ':')
            ELSE regexp_extract(actor_ip, '^(\d+\.\d+)\.', 1) END AS network
    FROM pipes_audit_log
    WHERE actor_ip IS NOT NULL
),
-- when anyone in the organisation first used each network: hopping between networks the
-- organisation knows (office, VPN, a phone's carrier) is ordinary
org_first AS (
    SELECT org, network, min(created_at) AS org_first_at FROM nets GROUP BY ALL
),
steps AS (
    SELECT n.*, o.org_first_at,
        lag(n.created_at) OVER w AS prev_at, lag(n.actor_ip) OVER w AS prev_ip,
        lag(n.network) OVER w AS prev_network, lag(o.org_first_at) OVER w AS prev_org_first_at
    FROM nets AS n
    JOIN org_first AS o USING (org, network)
    WINDOW w AS (PARTITION BY n.actor_id ORDER BY n.created_at)
)
SELECT actor_id, any_value(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(prev_at) AS first_at, max(created_at) AS last_at, count(*) AS network_switches,
    string_agg(DISTINCT prev_ip || ' -> ' || actor_ip, ', ') AS hops
FROM steps
WHERE network <> prev_network AND created_at - prev_at < INTERVAL 30 MINUTE
  -- one of the two networks new to the organisation that day
  AND (org_first_at::DATE = created_at::DATE OR prev_org_first_at::DATE = prev_at::DATE)
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
