-- name: short_lived_workspaces
-- title: Short-lived workspaces
-- attack: TA0005 Defense Evasion / T1578 Modify Cloud Compute Infrastructure / T1578.002 Create Cloud Instance
-- attack: TA0005 Defense Evasion / T1578 Modify Cloud Compute Infrastructure / T1578.003 Delete Cloud Instance
-- attack: TA0005 Defense Evasion / T1070 Indicator Removal
WITH creates AS (
    SELECT target_id AS workspace_id, min(created_at) AS created_at
    FROM pipes_audit_log
    WHERE action_type = 'workspace.create'
    GROUP BY target_id
),
deletes AS (
    SELECT actor_id, actor_handle, created_at AS deleted_at, target_id AS workspace_id,
        target_handle AS workspace_handle,
        timezone('UTC', try_cast(data ->> 'created_at' AS TIMESTAMPTZ)) AS data_created_at
    FROM pipes_audit_log
    WHERE action_type = 'workspace.delete'
),
short_lived AS (
    SELECT d.*, coalesce(c.created_at, d.data_created_at) AS created_at,
        d.deleted_at - coalesce(c.created_at, d.data_created_at) AS lifetime
    FROM deletes AS d
    LEFT JOIN creates AS c USING (workspace_id)
    WHERE d.deleted_at - coalesce(c.created_at, d.data_created_at) < INTERVAL 24 HOUR
)
-- the three shortest-lived workspaces stand for the rest (an actor may delete hundreds a day)
SELECT actor_id, max(actor_handle) AS actor_handle, deleted_at::DATE AS day,
    min(created_at) AS first_at, max(deleted_at) AS last_at,
    count(*) AS short_lived_workspaces, min(lifetime) AS shortest_lifetime,
    array_to_string(list(coalesce(workspace_handle, workspace_id)
        ORDER BY lifetime, workspace_id)[1:3], ', ') AS workspaces,
    array_to_string(list(workspace_id ORDER BY lifetime, workspace_id)[1:3], ', ')
        AS workspace_ids
FROM short_lived
GROUP BY actor_id, deleted_at::DATE
ORDER BY day, actor_id;
