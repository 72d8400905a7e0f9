"""Every action_id, block_id and callback_id in one place: listeners and views share these."""

COMMAND = "/coach"

# Onboarding / preferences (welcome DM and Home tab)
OPT_IN = "fc_opt_in"
OPT_OUT = "fc_opt_out"
PAUSE_WEEK = "fc_pause_week"
RESUME = "fc_resume"
OPEN_HELP = "fc_open_help"

# Message shortcut (manifest callback id); the micro-assignment flow arrives in a later issue.
SHORTCUT_MICRO_ASSIGNMENT = "fc_turn_into_assignment"  # message shortcut (manifest)
SHORTCUT_COACH = "fc_coach_global"

# Message metadata event type carried by every proactive message.
DELIVERY_EVENT_TYPE = "flowcoach_delivery"

# Calendar connection (`/coach calendar`, Home tab)
CALENDAR_MODAL = "fc_calendar_modal"            # callback_id of the connect modal
CALENDAR_URL_BLOCK = "fc_calendar_url_block"
CALENDAR_URL_INPUT = "fc_calendar_url"
CALENDAR_DISCONNECT = "fc_calendar_disconnect"
CALENDAR_OPEN = "fc_calendar_open"              # Home tab button that opens the modal

# Prep nudge (before a moment) and reflection prompt (after it)
PREP_OPEN_GUIDE = "fc_prep_open_guide"
PREP_NOT_HELPFUL = "fc_prep_not_helpful"
NUDGE_SNOOZE = "fc_nudge_snooze"                # static_select: minutes as the option value
MUTE_SERIES = "fc_mute_series"
GUIDE_MODAL = "fc_guide_modal"
REFLECT_OPEN = "fc_reflect_open"
REFLECT_SKIP = "fc_reflect_skip"
REFLECTION_MODAL = "fc_reflection_modal"        # callback_id; private_metadata carries the delivery key
REFLECTION_SHARE_BLOCK = "fc_reflection_share_block"
REFLECTION_SHARE = "fc_reflection_share"

# Preferences (Home tab): working hours, nudge types, "why did I get this"
PREFS_OPEN_HOURS = "fc_prefs_open_hours"
HOURS_MODAL = "fc_hours_modal"
HOURS_DAYS_BLOCK = "fc_hours_days_block"
HOURS_DAYS = "fc_hours_days"
HOURS_START_BLOCK = "fc_hours_start_block"
HOURS_START = "fc_hours_start"
HOURS_END_BLOCK = "fc_hours_end_block"
HOURS_END = "fc_hours_end"
PREFS_TOGGLE_KIND = "fc_prefs_toggle_kind"      # checkboxes of nudge kinds on the Home tab
WHY_THIS = "fc_why_this"                        # overflow/button on nudges: explain the decision

# Team links (`/coach team add @person`, invitation DM)
TEAM_ACCEPT = "fc_team_accept"
TEAM_DECLINE = "fc_team_decline"
TEAM_REMOVE = "fc_team_remove"

# Micro-assignments
ASSIGN_MODAL = "fc_assign_modal"                 # callback_id (private_metadata: learner, permalink)
ASSIGN_LEARNER_BLOCK = "fc_assign_learner_block"
ASSIGN_LEARNER = "fc_assign_learner"
ASSIGN_TEMPLATE_BLOCK = "fc_assign_template_block"
ASSIGN_TEMPLATE = "fc_assign_template"
ASSIGN_DUE_BLOCK = "fc_assign_due_block"
ASSIGN_DUE = "fc_assign_due"
ASSIGN_NOTE_BLOCK = "fc_assign_note_block"
ASSIGN_NOTE = "fc_assign_note"
ASSIGN_REVIEWER_BLOCK = "fc_assign_reviewer_block"
ASSIGN_REVIEWER = "fc_assign_reviewer"
ASSIGNMENT_ACCEPT = "fc_assignment_accept"
ASSIGNMENT_DECLINE = "fc_assignment_decline"     # opens DECLINE_MODAL for the reason
DECLINE_MODAL = "fc_assignment_decline_modal"
DECLINE_REASON_BLOCK = "fc_decline_reason_block"
DECLINE_REASON = "fc_decline_reason"
ASSIGNMENT_QUESTION = "fc_assignment_question"   # opens QUESTION_MODAL; the question is threaded to the manager
QUESTION_MODAL = "fc_assignment_question_modal"
QUESTION_BLOCK = "fc_question_block"
QUESTION_TEXT = "fc_question_text"
ASSIGNMENT_SUBMIT = "fc_assignment_submit"       # opens SUBMIT_MODAL
SUBMIT_MODAL = "fc_submit_modal"
SUBMIT_SUMMARY_BLOCK = "fc_submit_summary_block"
SUBMIT_SUMMARY = "fc_submit_summary"
SUBMIT_LINK_BLOCK = "fc_submit_link_block"
SUBMIT_LINK = "fc_submit_link"
SUBMIT_LEVEL_BLOCK = "fc_submit_level_block"
SUBMIT_LEVEL = "fc_submit_level"
ASSIGNMENT_CANCEL = "fc_assignment_cancel"
REVIEW_OPEN = "fc_review_open"                   # opens REVIEW_MODAL
REVIEW_MODAL = "fc_review_modal"
REVIEW_LEVEL_BLOCK = "fc_review_level_block"
REVIEW_LEVEL = "fc_review_level"
REVIEW_FEEDBACK_BLOCK = "fc_review_feedback_block"
REVIEW_FEEDBACK = "fc_review_feedback"
REVIEW_OUTCOME_BLOCK = "fc_review_outcome_block"
REVIEW_OUTCOME = "fc_review_outcome"             # radio: accept | changes_requested
REVIEW_EVIDENCE_BLOCK = "fc_review_evidence_block"
REVIEW_EVIDENCE = "fc_review_evidence"
CANCEL_MODAL = "fc_assignment_cancel_modal"      # callback_id (private_metadata: assignment id, list response_url)
CANCEL_REASON_BLOCK = "fc_cancel_reason_block"
CANCEL_REASON = "fc_cancel_reason"
ASSIGNMENT_REASSIGN = "fc_assignment_reassign"   # static_select in /coach assignments: opens REASSIGN_MODAL
REASSIGN_MODAL = "fc_assignment_reassign_modal"  # new due date and/or reviewer

# Peer debriefs
DEBRIEF_START = "fc_debrief_start"               # opens DEBRIEF_MODAL (pick 1–3 peers or let Flowcoach suggest)
DEBRIEF_MODAL = "fc_debrief_modal"
DEBRIEF_PEERS_BLOCK = "fc_debrief_peers_block"
DEBRIEF_PEERS = "fc_debrief_peers"
DEBRIEF_SUGGEST = "fc_debrief_suggest"
DEBRIEF_ANSWER = "fc_debrief_answer"             # peer: opens DEBRIEF_ANSWER_MODAL
DEBRIEF_ANSWER_MODAL = "fc_debrief_answer_modal"
DEBRIEF_NOT_NOW = "fc_debrief_not_now"
DEBRIEF_DECLINE = "fc_debrief_decline"
