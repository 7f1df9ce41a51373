-- Incremental event facts read only the months a new batch touched: let them find
-- those rows by time instead of scanning every event.
create index if not exists document_events_received_at_idx
on raw.document_events (received_at);

create index if not exists security_alerts_detected_at_idx
on raw.security_alerts (detected_at);
