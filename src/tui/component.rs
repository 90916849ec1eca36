//! How a component talks back to the app. Pages, dialogs and the table view never call the app or each
//! other: a key or a message addressed to one of them returns an [`Outcome`] (effects for the runner, a
//! flash for the footer, and at most one [`Request`] only the app can carry out), and the app applies it.
//! This is gitui's pattern of components that push events for the app to dispatch.
//!
//! Owns: the outcome vocabulary. Must not: depend on the app, any component, or I/O.

use super::action::Action;
use super::msg::Effect;

/// The one-line message in the footer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// What a component asks of the app besides effects and a flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Close this page or dialog (the app runs whatever stops the work it had running).
    Close,
    /// Open the `&` line filter of the page, starting from this text.
    EditLineFilter(String),
    /// A dialog confirmed `action`: the app re-checks read-only mode, then runs `effect`.
    Mutate { action: Action, effect: Box<Effect> },
}

/// A component's answer to a key or a message.
#[must_use]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub effects: Vec<Effect>,
    pub flash: Option<Flash>,
    pub request: Option<Request>,
}

impl Outcome {
    /// Nothing for the app to do (the component may have changed its own state).
    pub fn none() -> Self {
        Outcome::default()
    }

    pub fn effects(effects: Vec<Effect>) -> Self {
        Outcome {
            effects,
            ..Outcome::default()
        }
    }

    pub fn effect(effect: Effect) -> Self {
        Outcome::effects(vec![effect])
    }

    /// An informational flash.
    pub fn note(text: impl Into<String>) -> Self {
        Outcome::none().with_note(text)
    }

    /// An error flash.
    pub fn error(text: impl Into<String>) -> Self {
        Outcome::none().with_error(text)
    }

    pub fn request(request: Request) -> Self {
        Outcome::none().with_request(request)
    }

    pub fn with_note(mut self, text: impl Into<String>) -> Self {
        self.flash = Some(Flash {
            text: text.into(),
            error: false,
        });
        self
    }

    pub fn with_error(mut self, text: impl Into<String>) -> Self {
        self.flash = Some(Flash {
            text: text.into(),
            error: true,
        });
        self
    }

    pub fn with_request(mut self, request: Request) -> Self {
        self.request = Some(request);
        self
    }
}
