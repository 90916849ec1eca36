//! A kubeconfig reload that changes how the context in use connects: a new token, CA or exec plugin
//! for the same context, as `aws eks update-kubeconfig` or an SSO login writes it. The app reconnects
//! in place: the view, the page and the back stack stay; the watch and the log stream start again on the
//! new client and the runner moves the port-forwards to it. The status line says what changed (entry
//! names only, never a value) and how the reconnect went.

use super::{App, Connection, Effect, ServerInfo};
use crate::kubeconfig::KubeconfigSet;
use crate::tui::reload;

impl App {
    pub(super) fn on_kubeconfig_reloaded(&mut self, set: KubeconfigSet) -> Vec<Effect> {
        let changed = self.session.context.clone().and_then(|ctx| {
            reload::credentials_changed(&self.kubeconfig, &set, &ctx).map(|what| (ctx, what))
        });
        self.kubeconfig = set;
        self.refresh_contexts();
        let Some((context, what)) = changed else {
            return vec![];
        };
        match &self.connection {
            Connection::Connected | Connection::Lost(_) => {
                self.set_flash(
                    format!("kubeconfig changed {what}: reconnecting with the new credentials"),
                    false,
                );
                self.connection = Connection::Reconnecting(context.clone());
                vec![Effect::Reconnect { context }]
            }
            // The old credentials did not get in: the new ones may.
            Connection::Failed(_) => {
                self.set_flash(
                    format!("kubeconfig changed {what}: connecting again"),
                    false,
                );
                self.begin_connect(context)
            }
            // A connection in flight reads the kubeconfig it started with; the next change (or
            // `:ctx`) picks the new one up.
            Connection::Idle | Connection::Connecting(_) | Connection::Reconnecting(_) => vec![],
        }
    }

    /// The answer to [`Effect::Reconnect`]. A failure is shown as any failed connection is (the
    /// contexts view and the server's reason); success restarts what the view and page stream.
    pub(super) fn on_reconnected(
        &mut self,
        context: String,
        result: Result<ServerInfo, String>,
    ) -> Vec<Effect> {
        let server = match result {
            Ok(s) => s,
            Err(e) => {
                self.connection = Connection::Connecting(context.clone());
                return self.on_connected(context, Err(e));
            }
        };
        self.adopt_context(&context);
        self.connection = Connection::Connected;
        self.session.server_version = Some(server.git_version);
        self.session.kubectl = server.kubectl;
        let mut effects = vec![Effect::Discover, Effect::ListNamespaces];
        effects.extend(self.rewatch());
        let restarted = self
            .page
            .as_mut()
            .map(|p| p.restart_streams())
            .unwrap_or_default();
        let what = if restarted.is_empty() {
            "the view's watch restarted"
        } else {
            "the view's watch and the log stream restarted"
        };
        effects.extend(restarted);
        self.set_flash(
            format!("reconnected to {context} with the new credentials ({what})"),
            false,
        );
        effects
    }

    /// Watches the current view again, on the client the runner has now. The rows stay until the new
    /// watch's first list replaces them.
    pub(super) fn rewatch(&mut self) -> Vec<Effect> {
        self.watch_effect(self.view.id, &self.view.spec)
            .into_iter()
            .collect()
    }

    pub(super) fn on_forwards_moved(&mut self, moved: usize, failed: Vec<String>) {
        if failed.is_empty() {
            self.set_flash(
                format!("{moved} port-forward(s) moved to the new credentials, same local ports"),
                false,
            );
        } else {
            self.set_flash(
                format!(
                    "{moved} port-forward(s) moved to the new credentials; {} could not be: {}",
                    failed.len(),
                    failed.join("; ")
                ),
                true,
            );
        }
    }
}
