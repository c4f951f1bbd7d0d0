//! The event bus: app events on `window`, rules that turn them into invalidations, the channel
//! that carries events, invalidations, removals, logouts and IndexedDB writes to the other tabs,
//! and the `storage` events through which localStorage tells of other tabs' writes.

use std::rc::Rc;

use gloo_events::EventListener;
use js_sys::{Array, Function, JsString, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use web_sys::StorageEvent;

use super::errors::to_js;
use super::options::{entries, items, target, text, ILL_FORMED};
use super::state::{with_engine, CacheState, REENTRANT};
use crate::core::message::MAX_MESSAGE_BYTES;
use crate::core::{
    check, CacheError, ErrorCode, Found, IdbChange, Millis, Origin, PushSource, Received, Request, Scope, Target, Tier,
};
use crate::web::channel::TabChannel;
use crate::web::envelope::{from_object, Decoded};
use crate::web::events;
use crate::web::local::LocalStore;
use crate::web::version::Versioning;

const BAD_NAME: CacheError =
    CacheError::new(ErrorCode::InvalidOptions, "an event name must be a string of 1-256 characters");
const BAD_TARGET: CacheError = CacheError::new(ErrorCode::InvalidTarget, "a target could not be read");
const BAD_RULES: CacheError = CacheError::new(
    ErrorCode::InvalidOptions,
    "rules must map event names to a target, an array of targets, or a function of the detail",
);

/// Who an emitted event reaches.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// This tab only.
    ThisTab,
    /// Every tab of the namespace: the channel relays it.
    EveryTab,
}

/// Opens the namespace's channel; messages reach [`receive`] while the cache lives. `versioning`
/// tells which announced IndexedDB entries are of this tab's data version.
pub(crate) fn open_channel(core: &Rc<CacheState>, namespace: &str, versioning: Versioning) {
    core.bus.tab.set(js_sys::Math::random());
    let weak = Rc::downgrade(core);
    let channel = TabChannel::open(namespace, move |data| {
        if let Some(core) = weak.upgrade() {
            receive(&core, &data, &versioning);
        }
    });
    *core.bus.channel.borrow_mut() = channel;
}

/// Adopts the current user's `local` entries that other tabs write: the `storage` event fires in
/// every other tab of the origin, so a `set` needs no channel message, and this tab's memory
/// never keeps an older copy than the storage it shares (only newer writes are taken).
pub(crate) fn listen_to_storage(core: &Rc<CacheState>, local: LocalStore) {
    let Some(window) = web_sys::window() else { return };
    let weak = Rc::downgrade(core);
    let listener = EventListener::new(&window, "storage", move |event| {
        let (Some(core), Some(event)) = (weak.upgrade(), event.dyn_ref::<StorageEvent>()) else { return };
        let Ok(current) = scope(&core) else { return };
        if let Some((key, value, meta)) = local.written_elsewhere(&current, event) {
            let _ = with_engine(&core, |engine| {
                Ok(engine.with_origin(Origin::Tab, |engine| engine.adopt(&key, value, meta)))
            });
        }
    });
    *core.bus.storage.borrow_mut() = Some(listener);
}

/// Closes the channel and removes every handler.
pub(crate) fn close(core: &CacheState) {
    core.bus.channel.borrow_mut().take();
    core.bus.storage.borrow_mut().take();
    core.bus.listeners.borrow_mut().clear();
}

/// Calls `handler(event)` for every `name` event on `window`; returns the id that [`off`] takes.
/// A throwing handler is reported as `cachebus:error` (`HANDLER_ERROR`) and stops nothing.
pub(crate) fn on(core: &Rc<CacheState>, name: &JsValue, handler: Function) -> Result<u32, CacheError> {
    let name = event_name(name)?;
    let window = web_sys::window().ok_or(BAD_NAME)?;
    let weak = Rc::downgrade(core);
    let event = name.clone();
    let listener = EventListener::new(&window, name, move |e| {
        if let Err(error) = handler.call1(&JsValue::UNDEFINED, e) {
            if let Some(core) = weak.upgrade() {
                report(&core, ErrorCode::HandlerError, &event, &error);
            }
        }
    });
    let id = core.bus.last_listener.get() + 1;
    core.bus.last_listener.set(id);
    core.bus.listeners.borrow_mut().push((id, listener));
    Ok(id)
}

/// Removes handler `id` (dropping its listener removes it from `window`).
pub(crate) fn off(core: &CacheState, id: u32) {
    core.bus.listeners.borrow_mut().retain(|(held, _)| *held != id);
}

/// Adds a group of rules: `{ [name]: target | target[] | (detail) => target | target[] }`, and
/// the fallback of their families; returns the group's id, for [`remove_rules`].
pub(crate) fn set_rules(core: &CacheState, table: &JsValue, fallback: JsValue) -> Result<u32, CacheError> {
    if !table.is_object() {
        return Err(BAD_RULES);
    }
    let mut rules = Vec::new();
    for entry in entries(table, BAD_RULES)?.iter() {
        let entry = Array::from(&entry);
        let name = event_name(&entry.get(0))?;
        let rule = entry.get(1);
        check_rule(&rule)?;
        rules.push((name, rule));
    }
    let fallback = if fallback.is_undefined() || fallback.is_null() {
        None
    } else {
        check_rule(&fallback)?;
        Some(fallback)
    };
    Ok(core.bus.rules.borrow_mut().extend(rules, fallback))
}

/// Takes back the rules and fallback added as group `id`.
pub(crate) fn remove_rules(core: &CacheState, id: u32) {
    core.bus.rules.borrow_mut().remove(id);
}

/// `emit`: dispatches `new CustomEvent(name, { detail })` on `window`, applies the matching rule
/// (its changes announced as coming from `origin`), and, with [`Reach::EveryTab`], tells the other tabs
/// to do the same.
pub(crate) fn emit(
    core: &Rc<CacheState>,
    name: &JsValue,
    detail: JsValue,
    reach: Reach,
    origin: Origin,
) -> Result<(), CacheError> {
    emit_push(core, name, detail, reach, origin, None)
}

/// [`emit`], relayed as the push with `fingerprint` when it has one.
fn emit_push(
    core: &Rc<CacheState>,
    name: &JsValue,
    detail: JsValue,
    reach: Reach,
    origin: Origin,
    fingerprint: Option<&str>,
) -> Result<(), CacheError> {
    let name = event_name(name)?;
    scope(core)?; // refuse before dispatching anything when called from inside the cache
    events::dispatch(&JsString::from(name.as_str()), &detail);
    apply_rule(core, &name, &detail, origin, None);
    if reach == Reach::EveryTab {
        let message = message(core, "emit", scope(core)?.user(), fingerprint);
        set(&message, "name", &JsValue::from_str(&name));
        set(&message, "detail", &detail);
        post(core, &name, &message);
    }
    Ok(())
}

/// Applies what a push source's `map` returned for a message of this tab's connection number
/// `connection`: `{ event, detail? }` is emitted (and relayed), anything else must be a target,
/// which is invalidated (and relayed); changes are announced as `origin: "push"`. A message
/// with a `fingerprint` (its text) that another tab already relayed to this one is not applied
/// again.
pub(crate) fn pushed(
    core: &Rc<CacheState>,
    result: &JsValue,
    connection: u32,
    fingerprint: Option<String>,
) -> Result<(), JsValue> {
    if let Some(fingerprint) = &fingerprint {
        if !core.bus.pushes.borrow_mut().hear(PushSource::Own(connection), fingerprint, now()) {
            return Ok(());
        }
    }
    let event = get(result, "event");
    if result.is_object() && !event.is_undefined() {
        let detail = get(result, "detail");
        return emit_push(core, &event, detail, Reach::EveryTab, Origin::Push, fingerprint.as_deref()).map_err(to_js);
    }
    let target = target(result).map_err(to_js)?;
    with_engine(core, |engine| engine.with_origin(Origin::Push, |engine| engine.invalidate(&target)))?;
    let Ok(scope) = scope(core) else { return Ok(()) };
    let message = message(core, "invalidate", scope.user(), fingerprint.as_deref());
    set(&message, "target", result);
    post(core, "invalidate", &message);
    Ok(())
}

/// Tells the other tabs of a local invalidation (`"invalidate"`), removal (`"remove"`) of
/// `target`, or of clearing `user` (`"clear"`).
pub(crate) fn relay(core: &Rc<CacheState>, kind: &str, target: Option<&JsValue>, user_scope: Option<&Scope>) {
    let Some(scope) = user_scope.cloned().or_else(|| scope(core).ok()) else { return };
    let message = message(core, kind, scope.user(), None);
    if let Some(target) = target {
        set(&message, "target", target);
    }
    post(core, kind, &message);
}

/// Ops per `idb` message, at most: with plain metadata, well under the message size limit.
const IDB_OPS_PER_MESSAGE: u32 = 256;

/// Tells the other tabs of one tick's IndexedDB changes of `user` (`""`: signed out): `ops` as
/// the journal writes them (see [`IdbChange`]), in messages of at most [`IDB_OPS_PER_MESSAGE`]
/// ops.
pub(crate) fn announce_idb(core: &Rc<CacheState>, user: &str, ops: &Array) {
    let user = (!user.is_empty()).then_some(user);
    let step = IDB_OPS_PER_MESSAGE * 2;
    for start in (0..ops.length()).step_by(step as usize) {
        post_idb(core, user, &ops.slice(start, start + step));
    }
}

/// Posts `ops` as one `idb` message, or halves while it is over the size limit (big tags or
/// ETags); a single write whose metadata alone is over it is announced as a deletion, so the
/// other tabs drop their copy and read the entry back from IndexedDB when asked.
fn post_idb(core: &Rc<CacheState>, user: Option<&str>, ops: &Array) {
    let message = message(core, "idb", user, None);
    set(&message, "ops", ops);
    let pairs = ops.length() / 2;
    if json_size(&message).is_some_and(|size| size <= MAX_MESSAGE_BYTES) {
        post(core, "idb", &message);
    } else if pairs > 1 {
        let half = pairs / 2 * 2;
        post_idb(core, user, &ops.slice(0, half));
        post_idb(core, user, &ops.slice(half, ops.length()));
    } else if ops.get(1).is_object() {
        post_idb(core, user, &Array::of2(&ops.get(0), &JsValue::NULL));
    }
}

/// Applies a message from another tab, as `origin: "tab"`. Malformed, foreign-version and
/// oversized messages are counted and dropped; messages for another user are ignored.
fn receive(core: &Rc<CacheState>, data: &JsValue, versioning: &Versioning) {
    let Some(message) = check(read(data, versioning)) else {
        let _ = with_engine(core, |engine| {
            engine.note_rejected_message();
            Ok(())
        });
        return;
    };
    let Ok(current) = scope(core) else { return };
    if message.user.as_deref() != current.user() {
        return; // key-level news of another user: not ours
    }
    if let Some((tab, fingerprint)) = &message.push {
        let source = PushSource::Tab(*tab);
        if !core.bus.pushes.borrow_mut().hear(source, fingerprint, now()) {
            // A push this tab applied already, from its own connection or another tab: only its
            // instant may move, back to the other tab's hearing of it.
            if let (Request::Invalidate(target), Some(at)) = (&message.request, message.at) {
                let _ = with_engine(core, |engine| {
                    engine.backdate_invalidation(target, at);
                    Ok(())
                });
            }
            return;
        }
    }
    let at = message.at;
    let _ = with_engine(core, |engine| {
        engine.with_origin(Origin::Tab, |engine| match &message.request {
            Request::Invalidate(target) => engine.invalidate_seen(target, at).map(|_| ()),
            Request::Remove(target) => engine.remove_seen(target, at).map(|_| ()),
            Request::Clear => {
                engine.clear_scope_seen(&current, at);
                Ok(())
            }
            Request::Idb(changes) => {
                for change in changes {
                    match change {
                        IdbChange::Written(key, meta) => {
                            engine.adopt_unloaded(key, meta.clone());
                        }
                        IdbChange::Deleted(key) => {
                            engine.remove_tier_seen(&Target::Key(key.clone()), Tier::Idb, at)?;
                        }
                        IdbChange::DeletedPrefix(prefix) if prefix.is_empty() => {
                            engine.remove_tier_seen(&Target::All, Tier::Idb, at)?;
                        }
                        IdbChange::DeletedPrefix(prefix) => {
                            engine.remove_tier_seen(&Target::Prefix(prefix.clone()), Tier::Idb, at)?;
                        }
                    }
                }
                Ok(())
            }
            Request::Emit { .. } => Ok(()),
        })
    });
    if let Request::Emit { name } = &message.request {
        let detail = get(data, "detail");
        events::dispatch(&JsString::from(name.as_str()), &detail);
        apply_rule(core, name, &detail, Origin::Tab, message.at);
    }
}

/// Applies the rule `name` finds: invalidates its targets. An event another tab emitted at `at`
/// is applied as that tab's change (it invalidated the shared tiers already).
fn apply_rule(core: &Rc<CacheState>, name: &str, detail: &JsValue, origin: Origin, at: Option<Millis>) {
    let rule = match core.bus.rules.borrow().find(name) {
        Found::Rule(rule) | Found::Fallback(rule) => rule.clone(),
        Found::Nothing => return,
    };
    let targets = match rule.dyn_ref::<Function>() {
        Some(function) => match function.call1(&JsValue::UNDEFINED, detail) {
            Ok(targets) => targets,
            Err(error) => return report(core, ErrorCode::RuleError, name, &error),
        },
        None => rule,
    };
    let targets = match parse_targets(&targets) {
        Ok(targets) => targets,
        Err(error) => return report(core, ErrorCode::RuleError, name, &JsValue::from_str(error.message)),
    };
    let _ = with_engine(core, |engine| {
        engine.with_origin(origin, |engine| {
            for target in &targets {
                match origin {
                    Origin::Tab => engine.invalidate_seen(target, at)?,
                    _ => engine.invalidate(target)?,
                };
            }
            Ok(())
        })
    });
}

/// A rule's result: nothing (`undefined`/`null`), one target, or an array of targets.
fn parse_targets(value: &JsValue) -> Result<Vec<Target>, CacheError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    match items(value, BAD_TARGET)? {
        Some(items) => items.iter().map(target).collect(),
        None => target(value).map(|t| vec![t]),
    }
}

/// A rule is a function (checked when it runs) or a target or array of targets (checked now).
fn check_rule(rule: &JsValue) -> Result<(), CacheError> {
    if rule.is_function() {
        return Ok(());
    }
    parse_targets(rule).map(|_| ()).map_err(|_| BAD_RULES)
}

fn event_name(name: &JsValue) -> Result<String, CacheError> {
    text(name, ILL_FORMED)?.filter(|n| crate::core::valid_event_name(n)).ok_or(BAD_NAME)
}

/// The current scope; `REENTRANT` when the engine is busy with a call that ran app code.
fn scope(core: &CacheState) -> Result<Scope, CacheError> {
    core.engine.try_borrow().map(|engine| engine.scope().clone()).map_err(|_| REENTRANT)
}

/// `{ cb: 1, kind, user, at }` (`user`: `null` when signed out), and `{ tab, push }` for a
/// relayed server push.
fn message(core: &CacheState, kind: &str, user: Option<&str>, push: Option<&str>) -> Object {
    let message = Object::new();
    set(&message, "cb", &JsValue::from_f64(crate::core::message::MESSAGE_VERSION));
    set(&message, "kind", &JsValue::from_str(kind));
    set(&message, "user", &user.map_or(JsValue::NULL, JsValue::from_str));
    set(&message, "at", &JsValue::from_f64(js_sys::Date::now()));
    if let Some(fingerprint) = push {
        set(&message, "tab", &JsValue::from_f64(core.bus.tab.get()));
        set(&message, "push", &JsValue::from_str(fingerprint));
    }
    message
}

fn now() -> Millis {
    js_sys::Date::now() as Millis
}

/// Posts `message`; one the channel cannot clone is reported (`BROADCAST_FAILED`), not thrown.
fn post(core: &Rc<CacheState>, event: &str, message: &Object) {
    let sent = core.bus.channel.borrow().as_ref().map(|channel| channel.post(message));
    if sent == Some(false) {
        report(core, ErrorCode::BroadcastFailed, event, &JsValue::NULL);
    }
}

/// The fields of a received message, each `None` when missing or of the wrong type.
fn read(data: &JsValue, versioning: &Versioning) -> Received {
    if !data.is_object() {
        return Received::default();
    }
    let user = match get(data, "user") {
        user if user.is_null() => Some(None),
        user => user.as_string().map(Some),
    };
    let at = match get(data, "at") {
        at if at.is_undefined() => Some(None),
        at => at.as_f64().map(Some),
    };
    let push = get(data, "tab").as_f64().zip(get(data, "push").as_string());
    Received {
        version: get(data, "cb").as_f64(),
        kind: get(data, "kind").as_string(),
        user,
        at,
        push,
        name: get(data, "name").as_string(),
        target: target(&get(data, "target")).ok(),
        changes: idb_changes(&get(data, "ops"), versioning),
        size: json_size(data),
    }
}

/// The `ops` of an `idb` message: `key, metadata` (written), `key, null` (deleted) and
/// `prefix, true` (deleted under it); `None` when it is not such an array. A write of another
/// data version is taken as a deletion: the stored entry is no longer one this tab can use.
fn idb_changes(ops: &JsValue, versioning: &Versioning) -> Option<Vec<IdbChange>> {
    if !Array::is_array(ops) {
        return None;
    }
    let ops: &Array = ops.unchecked_ref();
    if ops.length() % 2 != 0 {
        return None;
    }
    (0..ops.length())
        .step_by(2)
        .map(|i| {
            let target = ops.get(i).as_string()?;
            let change = ops.get(i + 1);
            Some(if change.is_null() {
                IdbChange::Deleted(target)
            } else if change.as_bool() == Some(true) {
                IdbChange::DeletedPrefix(target)
            } else {
                let Decoded { meta, version, .. } = from_object(&change, Tier::Idb)?;
                match versioning.is_current(&version) {
                    true => IdbChange::Written(target, meta),
                    false => IdbChange::Deleted(target),
                }
            })
        })
        .collect()
}

/// The length of `value`'s JSON text; `None` when it has none (cycles, BigInt…).
fn json_size(value: &JsValue) -> Option<usize> {
    JSON::stringify(value).ok().filter(|text| text.is_string()).map(|text| text.length() as usize)
}

/// Reports a failure of app code; when the engine is busy (the failure happened inside one of
/// its calls) the report goes out once that call has returned.
fn report(core: &Rc<CacheState>, code: ErrorCode, event: &str, error: &JsValue) {
    match scope(core) {
        Ok(scope) => events::report_failure(code.as_str(), event, error, &scope),
        Err(_) => {
            let (core, event, error) = (Rc::downgrade(core), event.to_owned(), error.clone());
            crate::web::microtask::defer(move || {
                if let Some(core) = core.upgrade() {
                    report(&core, code, &event, &error);
                }
            });
        }
    }
}

fn get(obj: &JsValue, name: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
}

fn set(obj: &Object, name: &str, value: &JsValue) {
    // Defining a data property on a fresh plain object cannot throw.
    let _ = Reflect::set(obj, &JsValue::from_str(name), value);
}
