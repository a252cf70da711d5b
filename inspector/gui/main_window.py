"""The main window: documents in tabs (or the start page), the view switch, the status bar
with progress, and the codec server panel in a dock.

It owns the window's state and what each action does. What the actions are (texts,
shortcuts, menus, toolbar) is the table in ``actions``; the profile picker is
``profile_picker``'s; the export and the audit screenshot are ``saving``'s flows.
"""

from __future__ import annotations

import asyncio
import itertools
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QCloseEvent, QCursor, QDragEnterEvent, QDropEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from inspector.views import VIEWS, View

from . import actions, comparing, saving
from .about_dialog import AboutDialog
from .audit import AuditCaption
from .config_dialog import ConfigDialog
from .connect_dialog import ConnectDialog
from .diff_window import DiffWindow
from .document_tab import DocumentTab
from .exports import split_exports
from .live_tab import LiveHistory
from .loading import LoadedDocument
from .payload_model import build_rows
from .profile_choice import ProfileChoice
from .profile_picker import ProfilePicker
from .redaction_dialog import RedactionDialog
from .resources import Sample, app_icon
from .server_panel import ServerPanel
from .session import PipelineSession
from .settings import AppSettings
from .start_page import StartPage
from .status_bar import WindowStatusBar
from .tasks import TaskRunner

if TYPE_CHECKING:
    from inspector.live.connection import Connection


class MainWindow(QMainWindow):
    """One window; every slow action runs on ``self.runner``."""

    closed = Signal()

    def __init__(
        self,
        *,
        config_path: str | Path | None = None,
        settings: AppSettings | None = None,
        runner: TaskRunner | None = None,
        interactive: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        # False: a window for one headless picture (see DocumentTab.interactive).
        self.interactive = interactive
        self.settings = settings or AppSettings()
        self.runner = runner or TaskRunner(parent=self)
        self.session = PipelineSession(config_path, parent=self)
        # The profile new documents start with (the last one chosen under this config), and
        # what the picker shows when no document is open; each tab then has its own.
        self.new_choice = ProfileChoice(self.session, self)
        self.view = self.settings.last_view()
        self._tab_ids = itertools.count(1)
        self._paste_ids = itertools.count(1)
        self._all_tabs = False  # one search over every open document
        self._spreading = False  # a search text being copied to the other tabs
        self._closing = False
        self.diff_windows: list[DiffWindow] = []  # open comparisons, kept alive here
        self.connect_dialog: ConnectDialog | None = None
        self.live: dict[str, LiveHistory] = {}  # tab key → its run on a server
        self.setWindowTitle("Payload Inspector")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.resize(1360, 860)

        self.start_page = StartPage()
        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.setMovable(True)
        self.tabs.setDocumentMode(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.tabs.currentChanged.connect(self._tab_changed)
        self.central = QStackedWidget()
        self.central.addWidget(self.start_page)
        self.central.addWidget(self.tabs)
        self.setCentralWidget(self.central)

        self.server_panel = ServerPanel(self.runner, self.session, self.settings)
        self.server_dock = QDockWidget("Codec server", self)
        self.server_dock.setObjectName("serverDock")
        self.server_dock.setWidget(self.server_panel)
        self.server_dock.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # Below the documents by default: beside them it took the width the table needs.
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.server_dock)
        self.server_dock.dockLocationChanged.connect(self._server_dock_moved)
        self.server_dock.topLevelChanged.connect(lambda _floating: self._server_dock_moved())
        self.server_dock.hide()

        self.profile_picker = ProfilePicker(self.new_choice, self)
        self.profile_picker.picked.connect(self._picked)
        self.profile_combo, self.profile_info = self.profile_picker.combo, self.profile_picker.info
        self._make_actions()
        self.status = WindowStatusBar()
        self.setStatusBar(self.status)
        self.status.cancel_button.clicked.connect(self.cancel_work)
        # The bar's parts, under the names the window has always given them.
        self.status_label, self.progress = self.status.label, self.status.progress
        self.cancel_button, self.server_status = self.status.cancel_button, self.status.server

        self.start_page.open_requested.connect(self.open_dialog)
        self.start_page.path_requested.connect(lambda p: self.open_path(Path(p)))
        self.start_page.sample_requested.connect(self.open_sample)
        self.start_page.text_submitted.connect(self.open_text)
        self.runner.changed.connect(self._update_status)
        self.runner.failed.connect(self._task_failed)
        self.session.changed.connect(self._session_changed)
        self.session.redaction_changed.connect(self._redaction_changed)
        self.server_panel.state_changed.connect(self._server_state_changed)

        self._restore()
        self._show_redaction_count()  # the config's rules are in effect from the start
        self._refresh_recent()
        self._refresh_profiles()
        self._update_actions()

    # -- construction ------------------------------------------------------------------
    def _make_actions(self) -> None:
        """Actions, menus and toolbar from the table in ``actions`` (``{name}_action``)."""
        provided = {"server": self.server_dock.toggleViewAction()}
        made, menus = actions.build_actions(self, self.current_tab, provided)
        self._actions = made
        for name, action in made.items():
            setattr(self, f"{name}_action", action)
        self.view_actions = {view.value: made[f"view_{view.value}"] for view in View}
        self.view_actions[self.view].setChecked(True)
        self.recent_menu, self.sample_menu = menus["recent"], menus["sample"]
        actions.fill_sample_menu(self.sample_menu, self.start_page.samples, self.open_sample)
        actions.build_menus(self, made, menus)
        self.toolbar = actions.build_toolbar(self, made, self.profile_picker.widgets())

    # -- documents ---------------------------------------------------------------------
    def _new_tab(self, name: str) -> DocumentTab:
        choice = ProfileChoice(self.session)
        choice.copy_from(self.new_choice)
        tab = DocumentTab(
            self.runner, self.session, choice, f"tab{next(self._tab_ids)}", name, view=self.view
        )
        tab.interactive = self.interactive
        choice.setParent(tab)
        choice.changed.connect(lambda t=tab: self._choice_changed(t))
        tab.title_changed.connect(lambda title, t=tab: self._retitle(t, title))
        tab.status_changed.connect(self._update_actions)
        tab.opened_file.connect(self._remember_file)
        tab.status_changed.connect(lambda t=tab: split_exports(self, t))
        page = tab.inspector_page
        page.filter_edit.textChanged.connect(lambda text, t=tab: self._search_everywhere(t, text))
        page.all_tabs.toggled.connect(lambda on, t=tab: self._search_all_tabs(t, on))
        page.matches_changed.connect(lambda n, t=tab: self._show_match_count(t, n))
        if self._all_tabs:
            page.all_tabs.setChecked(True)
        index = self.tabs.addTab(tab, name)
        self._retitle(tab, name)
        self.tabs.setCurrentIndex(index)
        self.central.setCurrentWidget(self.tabs)
        return tab

    def new_document(self) -> DocumentTab:
        """An empty editor tab to paste or type into."""
        tab = self._new_tab(f"Untitled {next(self._paste_ids)}")
        tab.editor.hint.setText("Paste or type a document, then Inspect (Ctrl+Return).")
        tab.editor.edit.setFocus()
        return tab

    def open_path(self, path: Path) -> DocumentTab:
        """Open a file in a new tab (parsed in the background)."""
        path = path.expanduser()
        self._use_sample_config(path)
        for i in range(self.tabs.count()):
            tab = self.tabs.widget(i)
            if isinstance(tab, DocumentTab) and tab.path == path and tab.loaded is not None:
                self.tabs.setCurrentIndex(i)
                return tab
        tab = self._new_tab(path.name)
        remembered = self.settings.file_profile(path, self._config_key())
        if remembered is not None:
            tab.choice.select(remembered, why="remembered for this file")
        tab.load_path(path)
        return tab

    def open_paths(self, paths: list[Path]) -> None:
        for path in paths:
            self.open_path(path)

    def open_text(self, text: str, name: str | None = None) -> DocumentTab:
        tab = self._new_tab(name or f"Pasted {next(self._paste_ids)}")
        tab.editor.set_text(text)
        tab.load_text(text)
        return tab

    def open_loaded(self, loaded: LoadedDocument) -> DocumentTab:
        """Show an already parsed document (headless screenshots parse it themselves)."""
        tab = self._new_tab(loaded.name)
        tab.path = loaded.path
        tab.show_loaded(loaded, build_rows(loaded.doc, None))
        return tab

    def show_connect(self) -> ConnectDialog:
        """File → Connect: the server form and workflow list (one, kept while the window is)."""
        if self.connect_dialog is None:
            self.connect_dialog = ConnectDialog(self.runner, self)
            self.connect_dialog.open_requested.connect(self.open_workflow)
        self.connect_dialog.show()
        self.connect_dialog.raise_()
        return self.connect_dialog

    def open_workflow(
        self, connection: Connection, workflow_id: str, run_id: str = "", page_size: int = 0
    ) -> DocumentTab:
        """A run from a server in a new tab, filled as its pages arrive (``live_tab``); its
        profile is the one serving the server's namespace, when a profile lists it."""
        tab = self._new_tab(workflow_id)
        namespace = connection.namespace
        if namespace and self.session.config.lists_namespace(namespace):
            tab.choice.select(namespace, why=f"the server's namespace ‘{namespace}’")
        live = LiveHistory(
            self.runner, tab, connection, workflow_id, run_id or None,
            page_size=page_size, parent=self,
        )  # fmt: skip
        self.live[tab.key] = live
        live.changed.connect(lambda: self.statusBar().showMessage(live.message, 6000))
        live.start()
        return tab

    def show_related(self) -> QMenu | None:
        """A menu of the runs the current run points to; picking one opens it in a tab."""
        tab = self.current_tab()
        live = self.live.get(tab.key) if tab is not None else None
        if live is None:
            self.statusBar().showMessage("Related runs: open a run with File → Connect.", 5000)
            return None
        menu = QMenu(self)
        for link in live.links():
            menu.addAction(link.label).triggered.connect(
                lambda _=False, link=link: self.open_workflow(
                    live.connection, link.workflow_id, link.run_id
                )
            )
        if menu.isEmpty():
            menu.addAction("No parent, child or other run").setEnabled(False)
        menu.popup(QCursor.pos())
        return menu

    def _server_dock_moved(self, _area: object = None) -> None:
        """The panel stacks its columns when docked beside the documents or floating."""
        area = self.dockWidgetArea(self.server_dock)
        beside = area in (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
        )
        self.server_panel.set_vertical(beside or self.server_dock.isFloating())

    def open_sample(self, sample: Sample) -> DocumentTab:
        """Open a shipped sample, with its own config whatever config is in use."""
        self._use_sample_config(sample.path, chosen=True)
        return self.open_path(sample.path)

    def _use_sample_config(self, path: Path, *, chosen: bool = False) -> None:
        """A shipped sample that needs its own config switches to it, however it is opened
        (Open sample, the file dialog, a drop, the command line), unless the user named a
        config (``--config``, ``$PAYLOAD_INSPECTOR_CONFIG``) and did not pick the sample from
        Open sample: then theirs is what they asked for."""
        if self.session.state.explicit and not chosen:
            return
        try:
            resolved = path.resolve()
        except OSError:
            return
        sample = next((s for s in self.start_page.samples if s.path == resolved), None)
        if sample is None or sample.config is None:
            return
        if self.session.state.config.source == sample.config:
            return
        self.session.reload_config(sample.config)
        self._refresh_profiles()
        self.statusBar().showMessage(
            f"Using the samples' config ({sample.config.name}): its store holds this "
            "sample's blobs. Settings → Profiles shows it.",
            10_000,
        )

    def open_dialog(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(
            self, "Open documents", "", "JSON documents (*.json);;All files (*)"
        )
        self.open_paths([Path(f) for f in files])

    def paste(self) -> None:
        """Ctrl+V outside a text field: the clipboard's files, else its text, as documents."""
        self._open_mime(QGuiApplication.clipboard().mimeData())

    def _open_mime(self, mime: QMimeData | None) -> bool:
        if mime is None:
            return False
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if files:
            self.open_paths(files)
            return True
        if mime.hasText() and mime.text().strip():
            self.open_text(mime.text())
            return True
        return False

    def close_tab(self, index: int) -> None:
        tab = self.tabs.widget(index)
        if not isinstance(tab, DocumentTab):
            return
        tab.dispose()
        if (live := self.live.pop(tab.key, None)) is not None:
            self.runner.cancel(live.key)
        self.tabs.removeTab(index)
        tab.deleteLater()
        if self.tabs.count() == 0:
            self.central.setCurrentWidget(self.start_page)
        self._update_actions()

    def close_current_tab(self) -> None:
        self.close_tab(self.tabs.currentIndex())

    def current_tab(self) -> DocumentTab | None:
        if self.central.currentWidget() is not self.tabs:
            return None
        tab = self.tabs.currentWidget()
        return tab if isinstance(tab, DocumentTab) else None

    def documents(self) -> list[DocumentTab]:
        return [
            t for i in range(self.tabs.count()) if isinstance(t := self.tabs.widget(i), DocumentTab)
        ]

    # -- one search over every tab ------------------------------------------------------
    def _search_all_tabs(self, source: DocumentTab, on: bool) -> None:
        """ "All tabs" is one setting of the window: every tab's box follows, and the search
        box's text goes to every tab."""
        self._all_tabs = on
        for tab in self.documents():
            tab.inspector_page.all_tabs.blockSignals(True)
            tab.inspector_page.all_tabs.setChecked(on)
            tab.inspector_page.all_tabs.blockSignals(False)
        self._search_everywhere(source, source.filter_edit.text())

    def _search_everywhere(self, source: DocumentTab, text: str) -> None:
        if not self._all_tabs or self._spreading:
            return
        self._spreading = True
        try:
            for tab in self.documents():
                if tab is not source and tab.filter_edit.text() != text:
                    tab.filter_edit.setText(text)
        finally:
            self._spreading = False

    def _show_match_count(self, tab: DocumentTab, count: int | None) -> None:
        tab.match_count = count
        self._retitle(tab, tab.title)

    def _retitle(self, tab: DocumentTab, title: str) -> None:
        """The tab's text: its title, its profile (when the config has several) and the
        search's match count; the tooltip names the file and why the profile was chosen."""
        tab.title = title
        index = self.tabs.indexOf(tab)
        if index >= 0:
            shown = title
            if len(self.session.config.profiles) > 1:
                shown = f"{shown} · {tab.choice.profile_label}"
            count = tab.match_count
            if count is not None and not title.startswith("⚠"):
                shown = f"{shown} · {count:,} {'match' if count == 1 else 'matches'}"
            self.tabs.setTabText(index, shown)
            why = f" ({tab.choice.why})" if tab.choice.why else ""
            tip = f"{tab.path or title}\nProfile: {tab.choice.profile_label}{why}"
            self.tabs.setTabToolTip(index, tip)
        self._update_actions()

    def _tab_changed(self, _index: int) -> None:
        tab = self.current_tab()
        self.profile_picker.bind(self.choice)
        if tab is not None:
            tab.set_view(self.view)
        self._update_actions()

    def _remember_file(self, path: str) -> None:
        self.settings.add_recent_file(path)
        self._refresh_recent()

    def _refresh_recent(self) -> None:
        files = self.settings.recent_files()
        self.start_page.set_recent(files)
        actions.fill_recent_menu(
            self.recent_menu, files, lambda p: self.open_path(Path(p)), self._clear_recent
        )

    def _clear_recent(self) -> None:
        self.settings.clear_recent_files()
        self._refresh_recent()

    # -- views and profiles ------------------------------------------------------------
    def set_view(self, view: str) -> None:
        """Switch every document to ``view``; the current one re-runs now, others when shown."""
        if view not in VIEWS:
            raise ValueError(f"unknown view {view!r}")
        self.view = view
        self.view_actions[view].setChecked(True)
        self.settings.set_last_view(view)
        tab = self.current_tab()
        if tab is not None:
            tab.set_view(view)
        self._update_actions()

    @property
    def choice(self) -> ProfileChoice:
        """The current document's profile, or the one new documents start with."""
        tab = self.current_tab()
        return tab.choice if tab is not None else self.new_choice

    def select_profile(self, choice: str | None) -> None:
        """What typing in the profile box does (tests and screenshots call it directly)."""
        self.profile_picker.select(choice)

    def _picked(self, text: str) -> None:
        """The user chose a profile: for the current document (remembered for its file), and
        for the documents opened next."""
        config = self._config_key()
        tab = self.current_tab()
        if tab is not None:
            tab.choice.select(text, why="chosen in the toolbar")
            if tab.path is not None:
                self.settings.set_file_profile(tab.path, text, config)
        self.new_choice.select(text)
        self.settings.set_last_profile(self.new_choice.choice, config)
        self.profile_picker.refresh_info()

    def _choice_changed(self, tab: DocumentTab) -> None:
        """A document's profile changed (chosen, found in its history, or another config)."""
        self.runner.cancel(f"{tab.key}:view")
        self._retitle(tab, tab.title)
        if tab is self.current_tab():
            self.profile_picker.bind(tab.choice)
            tab.ensure_current()
        self._update_actions()

    def _session_changed(self) -> None:
        """Another config (or the same one read again): every document decodes again."""
        for each in self.documents():
            self.runner.cancel(f"{each.key}:view")
        self.profile_picker.refresh()
        tab = self.current_tab()
        if tab is not None:
            tab.ensure_current()
        self._update_actions()

    def _show_redaction_count(self) -> int:
        """The toolbar's Redaction button says how many rules are in effect."""
        count = len(self.session.redaction.rules)
        self._actions["redaction"].setText(f"Redaction ({count})" if count else "Redaction")
        return count

    def _redaction_changed(self) -> None:
        count = self._show_redaction_count()
        self.statusBar().showMessage(
            f"Redaction: {count} rule(s) in effect" if count else "Redaction off", 6000
        )

    def _refresh_profiles(self) -> None:
        self.profile_picker.refresh()

    # -- actions -----------------------------------------------------------------------
    def download_selected(self) -> None:
        tab = self.current_tab()
        if tab is not None and (index := tab.selected_index()) is not None:
            tab.download(index)

    def refresh(self) -> None:
        self.session.clear_cache()
        tab = self.current_tab()
        if tab is not None and tab.key in self.live:  # a run on a server: fetch it again
            self.live[tab.key].refresh()
        elif tab is not None:
            tab.downloads.clear()
            tab.run_view()

    def cancel_work(self) -> None:
        count = self.runner.cancel_all()
        if count:
            self.statusBar().showMessage(f"Cancelled {count} running task(s).", 4000)

    # The export and the audit screenshot: see saving.py.
    def export_dialog(self) -> None:
        saving.export_dialog(self)

    def export(self, tab: DocumentTab, path: Path, *, readable: bool = False) -> asyncio.Task[None]:
        """Write the document in the current view, same shape, atomically (``readable``:
        values for people, as ``decode --readable``)."""
        return saving.export(self, tab, path, readable=readable)

    def audit_caption(self) -> AuditCaption:
        return saving.audit_caption(self)

    def save_screenshot(self, path: Path) -> Path:
        """Render the window as it is now, with the caption, to ``path`` (PNG)."""
        return saving.save_screenshot(self, path)

    def screenshot_dialog(self) -> None:
        saving.screenshot_dialog(self)

    def save_evidence(self, directory: Path) -> Path:
        """The evidence folder of what the window shows (``saving.save_evidence``)."""
        return saving.save_evidence(self, directory)

    def evidence_dialog(self) -> None:
        saving.evidence_dialog(self)

    # Comparing: see comparing.py; the rules editor: redaction_dialog.py.
    def compare_selected(self) -> asyncio.Task[None] | None:
        """The two payloads selected in the current document, side by side."""
        return comparing.compare_selected(self)

    def compare_dialog(self) -> None:
        comparing.compare_dialog(self)

    def compare_with(self, path: Path) -> asyncio.Task[None] | None:
        """The current document against the one at ``path`` (runs aligned event by event)."""
        return comparing.compare_with(self, path)

    def show_redaction(self) -> RedactionDialog:
        dialog = RedactionDialog(self.session, self)
        dialog.open()
        return dialog

    def show_config(self) -> None:
        dialog = ConfigDialog(self.session, self)
        dialog.reloaded.connect(self._refresh_profiles)
        dialog.reloaded.connect(self.server_panel.load_fields)
        dialog.open()

    def show_about(self) -> None:
        AboutDialog(self).open()

    # -- status ------------------------------------------------------------------------
    def _update_status(self) -> None:
        tab = self.current_tab()
        self.status.show_tasks(self.runner.active(), tab.summary() if tab is not None else "")

    def _task_failed(self, label: str, message: str) -> None:
        self.statusBar().showMessage(f"{label}: {message}", 10_000)

    def _server_state_changed(self, running: bool) -> None:
        self.status.show_server(self.server_panel.url if running else None)

    def _update_actions(self) -> None:
        tab = self.current_tab()
        loaded = tab is not None and tab.loaded is not None
        actions.enable_for(self._actions, tab=tab is not None, document=loaded)
        title = "Payload Inspector"
        if tab is not None:
            title = f"{tab.name} — {title}"
        self.setWindowTitle(title)
        self._update_status()

    # -- drag and drop -----------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() or mime.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        if self._open_mime(event.mimeData()):
            event.acceptProposedAction()

    # -- life cycle --------------------------------------------------------------------
    def _restore(self) -> None:
        geometry = self.settings.geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)
            self._server_dock_moved()
        last = self.settings.last_profile(self._config_key())
        if last:
            self.new_choice.select(last)

    def _config_key(self) -> str:
        """Which config file the remembered profile belongs to ("" for the embedded one)."""
        source = self.session.config.source
        return str(source) if source else ""

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:
            self.profile_picker.refresh_info()
        super().changeEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.set_geometry(self.saveGeometry())
        self.settings.set_window_state(self.saveState())
        self.settings.sync()
        self._closing = True
        event.accept()
        self.closed.emit()

    async def shutdown(self) -> None:
        """Stop the server, cancel work, close pipelines (awaited by the app on exit)."""
        await self.runner.shutdown()
        if self.server_panel.running:
            await self.server_panel.stop()
        self.server_panel.shutdown_unsubscribe()
        await self.session.aclose()
