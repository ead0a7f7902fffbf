-- name: billing_changes
-- title: Billing changes
-- attack: TA0040 Impact / T1657 Financial Theft
-- attack: TA0040 Impact / T1496 Resource Hijacking
WITH billing AS (
    SELECT actor_id, actor_handle, created_at, action_type, actor_ip
    FROM pipes_audit_log
    WHERE action_type IN ('org.billing.payment_method.create', 'workspace.upgrade')
),
flagged AS (
    SELECT b.*,
        NOT EXISTS (
            SELECT 1 FROM pipes_audit_log AS p
            WHERE p.actor_id = b.actor_id AND p.actor_ip = b.actor_ip
              AND p.created_at < b.created_at - INTERVAL 1 HOUR) AS from_new_ip,
        NOT EXISTS (
            SELECT 1 FROM billing AS p
            WHERE p.actor_id = b.actor_id
              AND p.created_at < b.created_at - INTERVAL 1 HOUR
              AND p.created_at >= b.created_at - INTERVAL 90 DAY) AS first_in_90_days
    FROM billing AS b
)
SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
    min(created_at) AS first_at, max(created_at) AS last_at, count(*) AS billing_changes,
    bool_or(from_new_ip) AS from_new_ip, bool_and(first_in_90_days) AS first_in_90_days,
    string_agg(DISTINCT action_type, ', ' ORDER BY action_type) AS actions,
    string_agg(DISTINCT actor_ip, ', ' ORDER BY actor_ip) AS ips
FROM flagged
WHERE action_type = 'org.billing.payment_method.create' OR from_new_ip
GROUP BY actor_id, created_at::DATE
ORDER BY day, actor_id;
