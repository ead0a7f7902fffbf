-- name: hand_made_records
-- title: Automation used by hand
-- attack: TA0001 Initial Access / T1078 Valid Accounts / T1078.004 Cloud Accounts
-- attack: TA0005 Defense Evasion / T1550 Use Alternate Authentication Material / T1550.001 Application Access Token
WITH records AS (
    SELECT actor_id, actor_handle, created_at, action_type,
        coalesce(process_id, '') = '' AS by_hand
    FROM pipes_audit_log
),
days AS (
    SELECT actor_id, max(actor_handle) AS actor_handle, created_at::DATE AS day,
        count(*) AS records, count(*) FILTER (WHERE by_hand) AS records_by_hand,
        min(created_at) FILTER (WHERE by_hand) AS first_at,
        max(created_at) FILTER (WHERE by_hand) AS last_at,
        string_agg(DISTINCT action_type, ', ' ORDER BY action_type) FILTER (WHERE by_hand)
            AS actions_by_hand
    FROM records
    GROUP BY actor_id, created_at::DATE
),
habit AS (  -- the actor's own last 14 active days before this one
    SELECT *, sum(records) OVER earlier AS earlier_records,
        sum(records_by_hand) OVER earlier AS earlier_by_hand
    FROM days
    WINDOW earlier AS (PARTITION BY actor_id ORDER BY day
        ROWS BETWEEN 14 PRECEDING AND 1 PRECEDING)
)
SELECT actor_id, actor_handle, day, first_at, last_at, records_by_hand, records,
    round(earlier_by_hand / earlier_records, 3) AS usual_share_by_hand, actions_by_hand
FROM habit
WHERE earlier_records >= 50
  AND earlier_by_hand <= 0.2 * earlier_records
  AND records_by_hand > 2 + 2 * records * earlier_by_hand / earlier_records
ORDER BY day, actor_id;
