//! The queue's Lua scripts, loaded once per queue (Redis caches them by
//! SHA-1; `EVALSHA` falls back to `EVAL` after a Redis restart).

use ::redis::Script;

use crate::redis::queue_scripts as lua;

/// One [`Script`] per atomic operation of the queue.
pub(super) struct Scripts {
    pub(super) enqueue: Script,
    pub(super) take: Script,
    pub(super) reclaim: Script,
    pub(super) extend: Script,
    pub(super) complete: Script,
    pub(super) complete_many: Script,
    pub(super) retry: Script,
    pub(super) dead: Script,
    pub(super) bury: Script,
    pub(super) stats: Script,
    pub(super) list_dead: Script,
    pub(super) requeue: Script,
    pub(super) forget: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        Self {
            enqueue: Script::new(lua::ENQUEUE),
            take: Script::new(lua::TAKE),
            reclaim: Script::new(lua::RECLAIM),
            extend: Script::new(lua::EXTEND),
            complete: Script::new(lua::COMPLETE),
            complete_many: Script::new(lua::COMPLETE_MANY),
            retry: Script::new(lua::RETRY),
            dead: Script::new(lua::DEAD),
            bury: Script::new(lua::BURY),
            stats: Script::new(lua::STATS),
            list_dead: Script::new(lua::LIST_DEAD),
            requeue: Script::new(lua::REQUEUE),
            forget: Script::new(lua::FORGET),
        }
    }
}
