//! The namespace's `BroadcastChannel`: how one tab tells the others of the same origin.
//!
//! The platform never delivers a message back to the channel object that posted it, so there is
//! no echo; receivers apply messages without re-posting them, so there are no loops.

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent};

/// One namespace's channel and the listener that hands its messages on (removed on drop).
pub struct TabChannel {
    channel: BroadcastChannel,
    _listener: EventListener,
}

impl TabChannel {
    /// Opens `cachebus:{namespace}`; `None` where `BroadcastChannel` is missing or refuses.
    pub fn open(namespace: &str, on_message: impl Fn(JsValue) + 'static) -> Option<TabChannel> {
        let mut name = String::from("cachebus:");
        name.push_str(namespace);
        let channel = BroadcastChannel::new(&name).ok()?;
        let listener = EventListener::new(&channel, "message", move |event| {
            if let Some(event) = event.dyn_ref::<MessageEvent>() {
                on_message(event.data());
            }
        });
        Some(TabChannel { channel, _listener: listener })
    }

    /// Posts `message` to the other tabs; `false` when it could not be cloned or sent.
    pub fn post(&self, message: &JsValue) -> bool {
        self.channel.post_message(message).is_ok()
    }
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.close();
    }
}
