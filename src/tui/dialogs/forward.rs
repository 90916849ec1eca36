//! The port-forward dialog: the remote port (chosen among the ports the object declares, ↑/↓, or typed),
//! the local port (same as the remote one unless that is taken or privileged — the event loop probes and
//! answers with a suggestion) and the local address. Problems the app can see (a bad number, a port the
//! object does not declare) are shown before anything starts; the ones only the OS or server can see
//! (port in use, permission denied, no ready pod) come back from the forward engine into the dialog.

use std::net::{IpAddr, Ipv4Addr};

use crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use serde_json::Value;

use super::{Answer, Base, Common, common, edit, field, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::cluster::forward::{ForwardSpec, ForwardTarget, PortChoice, PortRef, forwardable_ports};
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardField {
    Remote,
    Local,
    Address,
}

const FIELDS: [ForwardField; 3] = [
    ForwardField::Remote,
    ForwardField::Local,
    ForwardField::Address,
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardDialog {
    pub base: Base,
    pub loading: bool,
    /// The ports the object declares (container ports, or a Service's ports).
    pub choices: Vec<PortChoice>,
    pub choice: usize,
    pub remote: LineInput,
    pub local: LineInput,
    pub address: LineInput,
    pub focus: ForwardField,
    /// The user typed a local port: suggestions no longer replace it.
    local_edited: bool,
}

/// The forward target for an object of the table.
pub fn forward_target(target: &ObjectRef) -> Result<ForwardTarget, String> {
    let namespace = target
        .namespace
        .clone()
        .ok_or_else(|| format!("{} is not namespaced", target.display()))?;
    let name = target.name.clone();
    Ok(
        match (target.kind.group.as_str(), target.kind.kind.as_str()) {
            ("", "Pod") => ForwardTarget::Pod { namespace, name },
            ("", "Service") => ForwardTarget::Service { namespace, name },
            (_, kind) => ForwardTarget::Workload {
                kind: kind.to_string(),
                namespace,
                name,
            },
        },
    )
}

/// The number a port choice or typed port stands for, when it is one.
fn number(port: &PortRef) -> Option<u16> {
    match port {
        PortRef::Number(n) => Some(*n),
        PortRef::Name(_) => None,
    }
}

impl ForwardDialog {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        ForwardDialog {
            base: Base::new(id, target),
            loading: true,
            choices: Vec::new(),
            choice: 0,
            remote: LineInput::default(),
            local: LineInput::default(),
            address: LineInput::with_text(&Ipv4Addr::LOCALHOST.to_string()),
            focus: ForwardField::Remote,
            local_edited: false,
        }
    }

    fn is_service(&self) -> bool {
        self.base.target.kind.kind == "Service" && self.base.target.kind.group.is_empty()
    }

    pub fn set_object(&mut self, result: Result<Value, String>) -> Vec<Effect> {
        self.loading = false;
        match result {
            Ok(obj) => {
                self.choices = forwardable_ports(&self.base.target.kind.kind, &obj);
                if self.choices.is_empty() {
                    vec![]
                } else {
                    self.select(0)
                }
            }
            Err(e) => {
                self.base.error = Some(format!("cannot read {}: {e}", self.base.what()));
                vec![]
            }
        }
    }

    /// Picks choice `i` as the remote port and asks for a local port to match.
    fn select(&mut self, i: usize) -> Vec<Effect> {
        let Some(c) = self.choices.get(i) else {
            return vec![];
        };
        self.choice = i;
        self.remote = LineInput::with_text(&c.port.to_string());
        self.remote_changed()
    }

    /// The remote port changed: offer the same local port (and let the probe correct it).
    fn remote_changed(&mut self) -> Vec<Effect> {
        if self.local_edited {
            return vec![];
        }
        let Some(port) = self
            .remote
            .text
            .trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
        else {
            return vec![];
        };
        self.local = LineInput::with_text(&port.to_string());
        let addr = self
            .address
            .text
            .trim()
            .parse()
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        vec![Effect::SuggestLocalPort {
            dialog: self.base.id,
            addr,
            port,
        }]
    }

    /// The probe's answer: use it unless the user has typed their own or moved to another port.
    pub fn suggested(&mut self, remote: u16, local: u16) {
        if !self.local_edited && self.remote.text.trim() == remote.to_string() {
            self.local = LineInput::with_text(&local.to_string());
        }
    }

    /// Checks every field and builds the forward.
    pub fn spec(&self) -> Result<ForwardSpec, String> {
        let remote = self.remote.text.trim();
        if remote.is_empty() {
            return Err("choose the port to forward to (↑/↓) or type one".to_string());
        }
        let port: PortRef = remote.parse().unwrap_or(PortRef::Name(remote.to_string()));
        if port == PortRef::Number(0) {
            return Err("port 0 cannot be forwarded to; choose a port the object declares".into());
        }
        // A number must be one the object declares; an object that declares none takes any number
        // (kubectl's rule). Names are checked by the engine against the pod it picks.
        if let Some(n) = number(&port)
            && !self.choices.is_empty()
            && !self.choices.iter().any(|c| number(&c.port) == Some(n))
        {
            let labels: Vec<&str> = self.choices.iter().map(|c| c.label.as_str()).collect();
            return Err(format!(
                "{} does not expose port {n} (it exposes: {})",
                self.base.what(),
                labels.join(", ")
            ));
        }
        let local = self.local.text.trim();
        let local_port = local.parse::<u16>().map_err(|_| {
            format!("local port \"{local}\" must be a number from 0 to 65535 (0 picks a free port)")
        })?;
        let addr = self.address.text.trim();
        let local_addr = addr.parse::<IpAddr>().map_err(|_| {
            format!("address \"{addr}\" must be an IP address such as 127.0.0.1 or 0.0.0.0")
        })?;
        let target = forward_target(&self.base.target)?;
        Ok(ForwardSpec {
            target,
            port,
            local_addr,
            local_port,
        })
    }

    fn move_focus(&mut self, step: isize) {
        let at = FIELDS.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        self.focus = FIELDS[((at + step).rem_euclid(FIELDS.len() as isize)) as usize];
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        let n = self.choices.len();
        let effects = match common(key) {
            Some(Common::Cancel) => return Answer::Cancel,
            Some(Common::Confirm) => {
                return match self.spec() {
                    Ok(spec) => Answer::submit(Effect::StartForward {
                        dialog: self.base.id,
                        spec,
                        context: self.base.target.context.clone(),
                    }),
                    Err(e) => {
                        self.base.error = Some(e);
                        Answer::Continue(vec![])
                    }
                };
            }
            Some(Common::Next) => {
                self.move_focus(1);
                vec![]
            }
            Some(Common::Prev) => {
                self.move_focus(-1);
                vec![]
            }
            Some(Common::Up) if self.focus == ForwardField::Remote && n > 0 => {
                self.select((self.choice + n - 1) % n)
            }
            Some(Common::Down) if self.focus == ForwardField::Remote && n > 0 => {
                self.select((self.choice + 1) % n)
            }
            Some(Common::Up | Common::Down) => vec![],
            None => match self.focus {
                ForwardField::Remote => {
                    if edit(&mut self.remote, key) {
                        self.remote_changed()
                    } else {
                        vec![]
                    }
                }
                ForwardField::Local => {
                    if edit(&mut self.local, key) {
                        self.local_edited = true;
                    }
                    vec![]
                }
                ForwardField::Address => {
                    edit(&mut self.address, key);
                    vec![]
                }
            },
        };
        self.base.error = None;
        Answer::Continue(effects)
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let d = &theme.dialog;
        let mut lines = vec![
            text(format!("Port-forward {}", self.base.what()), theme),
            Line::raw(""),
        ];
        let heading = if self.is_service() {
            "service ports"
        } else {
            "container ports"
        };
        if self.loading {
            lines.push(text(format!("  {heading}: loading…"), theme));
        } else if self.choices.is_empty() {
            lines.push(text(
                format!("  {heading}: none declared (any port can be typed)"),
                theme,
            ));
        } else {
            let mut spans = vec![Span::styled(format!("  {heading}:"), d.text)];
            let typed = self.remote.text.trim();
            for c in &self.choices {
                let chosen = c.port.to_string() == typed;
                spans.push(Span::styled(
                    if chosen {
                        format!(" [{}]", c.label)
                    } else {
                        format!("  {} ", c.label)
                    },
                    if chosen { d.key } else { d.text },
                ));
            }
            lines.push(Line::from(spans));
        }
        lines.push(field(
            "remote port",
            &self.remote,
            self.focus == ForwardField::Remote,
            theme,
        ));
        let mut local = field(
            "local port",
            &self.local,
            self.focus == ForwardField::Local,
            theme,
        );
        local.push_span(Span::styled(" 0 = any free port", d.text));
        lines.push(local);
        lines.push(field(
            "address",
            &self.address,
            self.focus == ForwardField::Address,
            theme,
        ));
        footer(
            &self.base,
            &[
                ("enter", "forward"),
                ("↑/↓", "port"),
                ("tab", "next field"),
                ("esc", "cancel"),
            ],
            theme,
            &mut lines,
        );
        ("port-forward".to_string(), lines)
    }
}
