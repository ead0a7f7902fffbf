-- name: first_seen_ip
-- title: First-seen IP for an actor
-- attack: TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts
WITH nets AS (
    SELECT actor_id, actor_handle, created_at, actor_ip, action_type,
        coalesce(identity_id, actor_id) AS org,
        CASE WHEN actor_ip LIKE '%:%'
            THEN array_to_string(string_split(actor_ip, ':')[1:4], ':')
            ELSE regexp_extract(actor_ip, '^(\d+\.\d+)\.', 1) END AS network
    FROM pipes_audit_log
    WHERE actor_ip IS NOT NULL
),
-- when anyone in the organisation first used each network: an office NAT, a shared VPN or
-- a colleague's carrier is known to the organisation, not news
org_first AS (
    SELECT org, network, min(created_at) AS org_first_at FROM nets GROUP BY ALL
),
actor_first AS (
    SELECT actor_id, min(created_at) AS actor_first_at FROM pipes_audit_log GROUP BY actor_id
),
ip_first AS (
    SELECT actor_id, actor_ip, min(created_at) AS ip_first_at FROM nets GROUP BY ALL
),
network_first AS (
    SELECT actor_id, network, min(created_at) AS network_first_at FROM nets GROUP BY ALL
)
SELECT n.actor_id, any_value(n.actor_handle) AS actor_handle, n.created_at::DATE AS day,
    min(n.created_at) AS first_at, max(n.created_at) AS last_at,
    count(DISTINCT n.actor_ip) AS new_ips, count(*) AS records_from_new_ips,
    string_agg(DISTINCT n.actor_ip, ', ' ORDER BY n.actor_ip) AS ips,
    string_agg(DISTINCT n.network, ', ' ORDER BY n.network) AS networks,
    string_agg(DISTINCT n.action_type, ', ' ORDER BY n.action_type) AS actions
FROM nets AS n
JOIN actor_first AS a USING (actor_id)
JOIN ip_first AS i USING (actor_id, actor_ip)
JOIN network_first AS f USING (actor_id, network)
JOIN org_first AS o USING (org, network)
WHERE i.ip_first_at >= a.actor_first_at + INTERVAL 7 DAY
  AND f.network_first_at = i.ip_first_at
  AND o.org_first_at::DATE = i.ip_first_at::DATE
  AND n.created_at::DATE = i.ip_first_at::DATE
GROUP BY n.actor_id, n.created_at::DATE
ORDER BY day, n.actor_id;
