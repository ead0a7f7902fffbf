-- name: ip_hopping
-- title: IP hopping
-- attack: TA0001 Initial Access / T1078 Valid Accounts
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.004 Web Session Cookie
WITH addrs AS (
    SELECT id, actor_id, actor_handle, created_at, actor_ip,
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
-- when anyone in the organisation first used each network: hopping between networks the
-- organisation knows (office, VPN, a phone's carrier) is ordinary
org_first AS (
    SELECT org, network, min(created_at) AS org_first_at FROM nets GROUP BY ALL
),
block_first AS (
    SELECT actor_id, block, min(created_at) AS block_first_at FROM nets GROUP BY ALL
),
steps AS (
    SELECT n.*, o.org_first_at, b.block_first_at,
        lag(n.created_at) OVER w AS prev_at, lag(n.actor_ip) OVER w AS prev_ip,
        lag(n.network) OVER w AS prev_network, lag(o.org_first_at) OVER w AS prev_org_first_at,
        lag(b.block_first_at) OVER w AS prev_block_first_at
    FROM nets AS n
    JOIN org_first AS o USING (org, network)
    JOIN block_first AS b USING (actor_id, block)
    -- records of one instant in a fixed order, so the previous record is always the same
    WINDOW w AS (PARTITION BY n.actor_id ORDER BY n.created_at, n.id)
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(prev_at) AS first_at, max(created_at) AS last_at, count(*) AS network_switches,
    string_agg(DISTINCT prev_ip || ' -> ' || actor_ip, ', '
        ORDER BY prev_ip || ' -> ' || actor_ip) AS hops,
    -- one of the two in a provider's block the actor never used before that day
    bool_or(block_first_at::DATE = created_at::DATE
            OR prev_block_first_at::DATE = prev_at::DATE) AS new_provider_block
FROM steps
WHERE network <> prev_network AND created_at - prev_at < INTERVAL 30 MINUTE
  -- one of the two networks new to the organisation that day
  AND (org_first_at::DATE = created_at::DATE OR prev_org_first_at::DATE = prev_at::DATE)
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
