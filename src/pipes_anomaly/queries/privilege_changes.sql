-- name: privilege_changes
-- title: Privilege changes
-- attack: TA0003 Persistence / T1098 Account Manipulation / T1098.003 Additional Cloud Roles
-- attack: TA0003 Persistence / T1136 Create Account / T1136.003 Cloud Account
WITH grants AS (
    SELECT actor_id, actor_handle, created_at, action_type, target_id, target_handle,
        data ->> 'role' AS role,
        -- the member a grant names: data.user_id, else the target
        coalesce(nullif(data ->> 'user_id', ''), nullif(target_id, '')) = actor_id AS to_itself
    FROM pipes_audit_log
    WHERE action_type IN ('org.member.add', 'org.member.update',
                          'org.workspace.member.add', 'org.workspace.member.update')
      AND lower(data ->> 'role') IN ('owner', 'admin')
),
flagged AS (
    SELECT g.*,
        NOT EXISTS (
            SELECT 1 FROM grants AS p
            WHERE p.actor_id = g.actor_id
              AND p.created_at < g.created_at - INTERVAL 1 HOUR
              AND p.created_at >= g.created_at - INTERVAL 30 DAY) AS first_in_30_days
    FROM grants AS g
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS grants,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions,
    string_agg(DISTINCT coalesce(target_handle, target_id), ', '
        ORDER BY coalesce(target_handle, target_id)) AS targets,
    string_agg(DISTINCT role, ', ' ORDER BY role) AS roles,
    coalesce(bool_or(to_itself), false) AS to_itself
FROM flagged
WHERE first_in_30_days
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
