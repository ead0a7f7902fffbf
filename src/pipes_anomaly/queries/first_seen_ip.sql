-- name: first_seen_ip
-- title: First-seen IP for an actor
-- attack: TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts
WITH addrs AS (
    SELECT actor_id, actor_handle, created_at, actor_ip, action_type,
        coalesce(identity_id, actor_id) AS org,
        lower(split_part(trim(actor_ip), '%', 1)) AS addr
    FROM pipes_audit_log
    WHERE actor_ip IS NOT NULL
),
-- an IPv6 address's groups with the zeros that '::' stands for written out
v6 AS (
    SELECT *, CASE WHEN NOT contains(addr, '::') THEN string_split(addr, ':')
        ELSE list_concat(head, list_resize([]::VARCHAR[], greatest(8 - len(head) - len(tail), 0),
            '0'), tail) END AS full_groups
    FROM (SELECT *,
        CASE WHEN split_part(addr, '::', 1) = '' THEN []::VARCHAR[]
            ELSE string_split(split_part(addr, '::', 1), ':') END AS head,
        CASE WHEN NOT contains(addr, '::') OR split_part(addr, '::', 2) = '' THEN []::VARCHAR[]
            ELSE string_split(split_part(addr, '::', 2), ':') END AS tail
        FROM addrs)
),
-- the network as the detector names it: the IPv4 /16 or the IPv6 /48 (one site; a privacy
-- address changes below it every day); text that is no address is a network of its own; and
-- its provider's block, the IPv4 /8 or the IPv6 /32 (a carrier rotates addresses inside it)
nets AS (
    SELECT * EXCLUDE (addr, head, tail, full_groups, g1, g2, g3), CASE
        WHEN contains(addr, ':') THEN CASE
            WHEN g3 <> '0' THEN g1 || ':' || g2 || ':' || g3 || '::/48'
            WHEN g2 <> '0' THEN g1 || ':' || g2 || '::/48'
            WHEN g1 <> '0' THEN g1 || '::/48'
            ELSE '::/48' END
        WHEN regexp_matches(addr, '^\d+\.\d+\.')
            THEN regexp_extract(addr, '^(\d+\.\d+)\.', 1) || '.0.0/16'
        ELSE addr END AS network, CASE
        WHEN contains(addr, ':') THEN CASE
            WHEN g2 <> '0' THEN g1 || ':' || g2 || '::/32'
            WHEN g1 <> '0' THEN g1 || '::/32'
            ELSE '::/32' END
        WHEN regexp_matches(addr, '^\d+\.\d+\.')
            THEN regexp_extract(addr, '^(\d+)\.', 1) || '.0.0.0/8'
        ELSE addr END AS block
    FROM (SELECT *,
        coalesce(nullif(ltrim(full_groups[1], '0'), ''), '0') AS g1,
        coalesce(nullif(ltrim(full_groups[2], '0'), ''), '0') AS g2,
        coalesce(nullif(ltrim(full_groups[3], '0'), ''), '0') AS g3
        FROM v6)
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
),
block_first AS (
    SELECT actor_id, block, min(created_at) AS block_first_at FROM nets GROUP BY ALL
)
SELECT n.actor_id, max(n.actor_handle) AS actor_handle, n.created_at::DATE AS day,
    min(n.created_at) AS first_at, max(n.created_at) AS last_at,
    count(DISTINCT n.actor_ip) AS new_ips, count(*) AS records_from_new_ips,
    string_agg(DISTINCT n.actor_ip, ', ' ORDER BY n.actor_ip) AS ips,
    string_agg(DISTINCT n.network, ', ' ORDER BY n.network) AS networks,
    string_agg(DISTINCT n.action_type, ', ' ORDER BY n.action_type) AS actions,
    -- a provider the actor never used before that day, as the novel-network features ask
    bool_or(b.block_first_at::DATE = n.created_at::DATE) AS new_provider_block
FROM nets AS n
JOIN actor_first AS a USING (actor_id)
JOIN ip_first AS i USING (actor_id, actor_ip)
JOIN network_first AS f USING (actor_id, network)
JOIN org_first AS o USING (org, network)
JOIN block_first AS b USING (actor_id, block)
WHERE i.ip_first_at >= a.actor_first_at + INTERVAL 7 DAY
  AND f.network_first_at = i.ip_first_at
  AND o.org_first_at::DATE = i.ip_first_at::DATE
  AND n.created_at::DATE = i.ip_first_at::DATE
GROUP BY n.actor_id, n.created_at::DATE
ORDER BY day, n.actor_id;
