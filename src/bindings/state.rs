//! What one cache's exported calls, its event bus, IndexedDB callbacks and channel messages
//! share: the engine and the state around it, and [`with_engine`], through which every engine
//! call goes (so that what a call changed is reported, announced and aborted once).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_events::EventListener;
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;

use super::errors::to_js;
use crate::core::{CacheError, Engine, ErrorCode, PushLedger, Rules};
use crate::web::channel::TabChannel;
use crate::web::events::{self, ChangeListener};
use crate::web::microtask;
use crate::web::DateClock;

/// The engine over JS values and the browser clock.
pub(crate) type JsEngine = Engine<JsValue, DateClock>;

/// The engine, who hears of its changes, and its event bus; shared with IndexedDB callbacks,
/// channel messages and async calls.
pub(crate) struct CacheState {
    pub(crate) engine: RefCell<JsEngine>,
    pub(crate) on_change: RefCell<Option<ChangeListener>>,
    /// Told, right after the call that outdated them, the ids of fetches to abort.
    pub(crate) on_outdated: RefCell<Option<Function>>,
    /// Whether an announcement of the recorded changes is already queued for this tick.
    pub(crate) announcing: Cell<bool>,
    /// What a tick's microtask runs to announce its changes: made once (see [`watch_changes`]),
    /// not a closure per tick.
    pub(crate) announce: RefCell<Option<Closure<dyn FnMut()>>>,
    pub(crate) bus: Bus,
}

/// Handlers, rules and the channel of one cache.
#[derive(Default)]
pub(crate) struct Bus {
    pub(crate) rules: RefCell<Rules<JsValue>>,
    /// `on` handlers by id: a `Vec`, as an app adds a few and std's `HashMap` brought SipHash.
    pub(crate) listeners: RefCell<Vec<(u32, EventListener)>>,
    pub(crate) last_listener: Cell<u32>,
    pub(crate) channel: RefCell<Option<TabChannel>>,
    pub(crate) storage: RefCell<Option<EventListener>>,
    /// The server pushes heard lately, from this tab's connections and relayed by others.
    pub(crate) pushes: RefCell<PushLedger>,
    /// This tab's id in the pushes it relays (random: tabs cannot agree on numbers).
    pub(crate) tab: Cell<f64>,
}

pub(crate) const REENTRANT: CacheError =
    CacheError::new(ErrorCode::Reentrant, "the cache was called from code it was running (toJSON, migrate)");

/// Runs `f` on the engine, then reports the diagnostics it queued (`cachebus:error`) and queues
/// the announcement of the changes it made (`cachebus:change`, once per tick), after releasing
/// the engine so listeners may call the cache.
pub(crate) fn with_engine<T>(
    core: &Rc<CacheState>,
    f: impl FnOnce(&mut JsEngine) -> Result<T, CacheError>,
) -> Result<T, JsValue> {
    let result = {
        let mut engine = core.engine.try_borrow_mut().map_err(|_| to_js(REENTRANT))?;
        f(&mut engine)
    };
    after_call(core);
    result.map_err(to_js)
}

/// What follows every engine call: kept out of the generic [`with_engine`] so it exists once in
/// the wasm rather than once per call site.
#[inline(never)]
fn after_call(core: &Rc<CacheState>) {
    let (changed, diagnostics, scope, outdated) = {
        let Ok(mut engine) = core.engine.try_borrow_mut() else { return };
        let diagnostics = engine.take_diagnostics();
        let scope = (!diagnostics.is_empty()).then(|| engine.scope().clone());
        let outdated = engine.has_outdated_fetches().then(|| engine.take_outdated_fetches());
        (engine.has_changes(), diagnostics, scope, outdated)
    };
    if changed {
        queue_announcement(core);
    }
    if let Some(scope) = scope {
        events::report(diagnostics, &scope);
    }
    if let Some(ids) = outdated {
        let listener = core.on_outdated.borrow().clone();
        if let Some(listener) = listener {
            let ids: Array = ids.into_iter().map(|id| JsValue::from_f64(id as f64)).collect();
            // The facade's listener only aborts signals; what their handlers throw is theirs.
            let _ = listener.call1(&JsValue::UNDEFINED, &ids);
        }
    }
}

/// Makes the closure that announces a tick's changes (a cache calls this once it is shared).
pub(crate) fn watch_changes(core: &Rc<CacheState>) {
    let weak = Rc::downgrade(core);
    let announce = Closure::<dyn FnMut()>::new(move || {
        if let Some(core) = weak.upgrade() {
            announce_changes(&core);
        }
    });
    *core.announce.borrow_mut() = Some(announce);
}

/// Announces the changes recorded in this tick, in a microtask: consecutive changes of a kind
/// are one event however many calls made them.
fn queue_announcement(core: &Rc<CacheState>) {
    if core.announcing.replace(true) {
        return;
    }
    if let Some(announce) = core.announce.borrow().as_ref() {
        microtask::queue(announce.as_ref());
    }
}

fn announce_changes(core: &Rc<CacheState>) {
    core.announcing.set(false);
    let Ok(mut engine) = core.engine.try_borrow_mut() else {
        queue_announcement(core); // busy (a callback of the engine runs): next microtask
        return;
    };
    let changes = engine.take_changes();
    drop(engine);
    let listener = core.on_change.borrow().clone();
    if let Some(listener) = listener {
        events::announce(changes, &listener);
    }
}
