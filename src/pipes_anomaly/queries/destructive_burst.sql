-- name: destructive_burst
-- title: Destructive burst
-- attack: TA0040 Impact / T1485 Data Destruction
-- attack: TA0040 Impact / T1489 Service Stop
WITH destructive AS (
    SELECT actor_id, actor_handle, created_at, action_type
    FROM pipes_audit_log
    WHERE action_type IN (
        'workspace.delete', 'connection.delete', 'pipeline.delete', 'workspace.schema.delete',
        'integration.delete', 'datatank.delete', 'workspace.mod.uninstall',
        'workspace.aggregator.delete', 'datatank.table.delete', 'connection.permission.delete',
        'workspace.connection.dissociate')
),
counted AS (
    SELECT *,
        count(*) OVER (
            PARTITION BY actor_id ORDER BY created_at
            RANGE BETWEEN INTERVAL 10 MINUTE PRECEDING AND CURRENT ROW) AS n_in_10m
    FROM destructive
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at,
    max(n_in_10m) AS max_destructive_in_10m, count(*) AS destructive_actions,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions
FROM counted
GROUP BY actor_id, created_at::DATE
HAVING max(n_in_10m) >= 3
ORDER BY day, actor_id;
