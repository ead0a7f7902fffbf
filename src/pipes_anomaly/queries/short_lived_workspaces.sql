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
)
SELECT d.actor_id, d.actor_handle, d.deleted_at::DATE AS day,
    coalesce(c.created_at, d.data_created_at) AS first_at, d.deleted_at AS last_at,
    d.workspace_id, d.workspace_handle,
    d.deleted_at - coalesce(c.created_at, d.data_created_at) AS lifetime
FROM deletes AS d
LEFT JOIN creates AS c USING (workspace_id)
WHERE d.deleted_at - coalesce(c.created_at, d.data_created_at) < INTERVAL 24 HOUR
ORDER BY day, d.actor_id;
