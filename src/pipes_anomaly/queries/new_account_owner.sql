-- name: new_account_owner
-- title: Owner before its first action
-- attack: TA0003 Persistence / T1098 Account Manipulation / T1098.003 Additional Cloud Roles
-- attack: TA0003 Persistence / T1136 Create Account / T1136.003 Cloud Account
WITH grants AS (  -- the member a membership names: data.user_id, else target_id
    SELECT actor_id AS granter_id, coalesce(actor_handle, actor_id) AS granter,
        created_at AS granted_at,
        coalesce(nullif(data ->> 'user_id', ''), nullif(target_id, '')) AS member_id,
        coalesce(data ->> 'workspace_id', identity_id, '*') AS scope
    FROM pipes_audit_log
    WHERE action_type IN ('org.member.add', 'org.member.update',
                          'org.workspace.member.add', 'org.workspace.member.update')
      AND data ->> 'role' = 'owner'
),
firsts_granted AS (  -- per member and scope, its first owner grant by someone else
    SELECT member_id, scope, arg_min(granter, granted_at) AS granter, min(granted_at) AS granted_at
    FROM grants
    WHERE member_id IS NOT NULL AND granter_id IS DISTINCT FROM member_id
    GROUP BY member_id, scope
),
firsts AS (
    SELECT actor_id, min(created_at) AS first_record
    FROM pipes_audit_log
    GROUP BY actor_id
),
received AS (  -- owner roles granted by someone else in the 7 days up to the first record
    SELECT f.actor_id, f.first_record, g.granter, g.granted_at, g.scope
    FROM firsts AS f
    JOIN firsts_granted AS g ON g.member_id = f.actor_id
    WHERE g.granted_at <= f.first_record
      AND g.granted_at > f.first_record - INTERVAL 7 DAY
),
first_day AS (
    SELECT actor_id, created_at::DATE AS day, max(actor_handle) AS actor_handle,
        min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS records
    FROM pipes_audit_log
    GROUP BY actor_id, created_at::DATE
)
SELECT d.actor_id, d.actor_handle, d.day, d.first_at, d.last_at, d.records,
    count(DISTINCT r.scope) AS owner_scopes, min(r.granted_at) AS first_granted_at,
    string_agg(DISTINCT r.granter, ', ' ORDER BY r.granter) AS granted_by
FROM first_day AS d
JOIN received AS r ON r.actor_id = d.actor_id AND d.day = r.first_record::DATE
GROUP BY d.actor_id, d.actor_handle, d.day, d.first_at, d.last_at, d.records
ORDER BY d.day, d.actor_id;
