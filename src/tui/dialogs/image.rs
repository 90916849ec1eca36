//! `i` set image: each container of the pod (or of the workload's pod template) with its image, to
//! change in place; the changed ones are sent as one strategic-merge patch, as `kubectl set image` does.

use crossterm::event::KeyEvent;
use ratatui::text::Line;
use serde_json::Value;

use super::{Answer, Base, Common, common, edit, field, footer, text};
use crate::cluster::actions::ObjectRef;
use crate::tui::input::LineInput;
use crate::tui::msg::Effect;
use crate::tui::theme::Theme;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDialog {
    pub base: Base,
    pub loading: bool,
    /// Container name, image as loaded, the image field.
    containers: Vec<(String, String, LineInput)>,
    focus: usize,
}

/// The containers of a pod, or of a workload's pod template.
fn containers(obj: &Value) -> Vec<(String, String)> {
    let spec = match obj.pointer("/spec/template/spec") {
        Some(s) => s,
        None => &obj["spec"],
    };
    spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or("").to_string(),
                c["image"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

impl ImageDialog {
    pub fn new(id: u64, target: ObjectRef) -> Self {
        ImageDialog {
            base: Base::new(id, target),
            loading: true,
            containers: Vec::new(),
            focus: 0,
        }
    }

    pub fn set_object(&mut self, result: Result<Value, String>) {
        self.loading = false;
        match result {
            Ok(obj) => {
                self.containers = containers(&obj)
                    .into_iter()
                    .map(|(n, i)| {
                        let input = LineInput::with_text(&i);
                        (n, i, input)
                    })
                    .collect();
            }
            Err(e) => self.base.error = Some(e),
        }
    }

    pub fn on_key(&mut self, key: &KeyEvent) -> Answer {
        let n = self.containers.len().max(1);
        match common(key) {
            Some(Common::Cancel) => Answer::Cancel,
            Some(Common::Next | Common::Down) => {
                self.focus = (self.focus + 1) % n;
                Answer::Continue(vec![])
            }
            Some(Common::Prev | Common::Up) => {
                self.focus = (self.focus + n - 1) % n;
                Answer::Continue(vec![])
            }
            Some(Common::Confirm) => {
                let changed: Vec<(String, String)> = self
                    .containers
                    .iter()
                    .filter(|(_, old, input)| input.text.trim() != old)
                    .map(|(name, _, input)| (name.clone(), input.text.trim().to_string()))
                    .collect();
                if let Some((name, _)) = changed.iter().find(|(_, image)| image.is_empty()) {
                    self.base.error = Some(format!("the image of {name} cannot be empty"));
                    return Answer::Continue(vec![]);
                }
                if changed.is_empty() {
                    self.base.error = Some("no image changed".to_string());
                    return Answer::Continue(vec![]);
                }
                Answer::submit(Effect::SetImage {
                    dialog: self.base.id,
                    target: self.base.target.clone(),
                    images: changed,
                })
            }
            None => {
                if let Some((_, _, input)) = self.containers.get_mut(self.focus)
                    && edit(input, key)
                {
                    self.base.error = None;
                }
                Answer::Continue(vec![])
            }
        }
    }

    pub fn content(&self, theme: &Theme) -> (String, Vec<Line<'static>>) {
        let mut lines = vec![text(
            format!("Set the images of {}", self.base.what()),
            theme,
        )];
        lines.push(Line::raw(""));
        if self.loading {
            lines.push(text("loading its containers…", theme));
        }
        for (i, (name, _, input)) in self.containers.iter().enumerate() {
            lines.push(field(name, input, i == self.focus, theme));
        }
        footer(
            &self.base,
            &[
                ("enter", "set"),
                ("tab", "next container"),
                ("esc", "cancel"),
            ],
            theme,
            &mut lines,
        );
        ("set image".to_string(), lines)
    }
}
