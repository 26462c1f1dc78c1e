-- Sale windows: an event takes reservations from opens_at (NULL: at once) until closes_at (NULL: never closes).
-- Redis holds a copy for the accept path, which judges the window against Redis's own clock.
ALTER TABLE events
    ADD COLUMN opens_at  TIMESTAMPTZ,
    ADD COLUMN closes_at TIMESTAMPTZ,
    -- highest position counter Redis was ever restored at (register after a Redis data loss): positions handed
    -- out after a restore lie above it even while none of them is decided yet, so the next restore must too
    ADD COLUMN resumed_position BIGINT NOT NULL DEFAULT 0,
    ADD CONSTRAINT events_window_order CHECK (closes_at > opens_at),
    ADD CONSTRAINT events_resumed_position_range CHECK (resumed_position >= 0);
