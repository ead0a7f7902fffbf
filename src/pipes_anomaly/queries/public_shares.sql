-- name: public_shares
-- title: Resources opened to anyone with the link
-- attack: TA0010 Exfiltration / T1567 Exfiltration Over Web Service
WITH shares AS (  -- data is the resource after the action: left open to anyone with its link
    SELECT actor_id, actor_handle, created_at, action_type, data ->> 'workspace_id' AS workspace
    FROM pipes_audit_log
    WHERE lower(data ->> 'visibility') = 'anyone_with_link'
      AND lower(regexp_extract(action_type, '[^.]*$')) IN ('create', 'add', 'install', 'update')
),
daily AS (
    SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
        min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS public_shares,
        count(DISTINCT workspace) AS workspaces,
        string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
    FROM shares
    GROUP BY actor_id, created_at::DATE
),
judged AS (  -- the actor's busiest day of public shares in the 30 days before
    SELECT d.*,
        (SELECT coalesce(max(p.public_shares), 0) FROM daily AS p
         WHERE p.actor_id = d.actor_id AND p.day < d.day
           AND p.day >= d.day - INTERVAL 30 DAY) AS most_in_30_days
    FROM daily AS d
)
SELECT actor_id, actor_handle, day, first_at, last_at, public_shares, most_in_30_days,
    workspaces, actions
FROM judged
WHERE public_shares > most_in_30_days
ORDER BY day, actor_id;
