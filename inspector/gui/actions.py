"""The window's actions as data: one spec per action (text, shortcut, tip, handler, menu),
and the menus and the toolbar built from that table.

Why a table: every shortcut and tip is read, compared and changed in one place, the
menus list the actions in the table's order, and the window only supplies the handlers
(named here, looked up on the window when the action fires). Every action is also added
to the window itself, so its shortcut works with the menu bar hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMenu, QSizePolicy, QToolBar, QWidget

from inspector.views import View

from .resources import Sample

Shortcut = str | QKeySequence.StandardKey

FILE, EDIT, VIEW, SETTINGS, HELP = "&File", "&Edit", "&View", "&Settings", "&Help"
MENUS = (FILE, EDIT, VIEW, SETTINGS, HELP)
VIEWS_GROUP = "views"
TAB, DOCUMENT = "tab", "document"  # what an action needs (``ActionSpec.needs``)


@dataclass(frozen=True)
class ActionSpec:
    """One action; the window keeps it as ``{name}_action``."""

    name: str
    menu: str | None  # None: in no menu (its shortcut still works)
    text: str
    shortcut: Shortcut | None
    # A method of the window (of the current tab with ``on_tab``, if there is one); None:
    # an action the window already has (``provided``), given this text and shortcut.
    handler: str | None
    tip: str | None = None  # the status tip, and the tooltip with the shortcut after it
    separator: bool = False  # a separator above it in its menu
    on_tab: bool = False
    args: tuple[str, ...] = ()
    group: str | None = None  # checkable, one of the group checked at a time
    status_tip: bool = True  # False: the tip is the tooltip only
    needs: str | None = None  # TAB or DOCUMENT: enabled only while the current tab has one


@dataclass(frozen=True)
class SubmenuSpec:
    """A submenu the window fills itself; the window keeps it as ``{name}_menu``."""

    name: str
    menu: str
    text: str


VIEW_ACTIONS = tuple(
    ActionSpec(
        f"view_{view.value}",
        VIEW,
        view.label,
        f"Ctrl+{n}",
        "set_view",
        tip=view.tip,
        args=(view.value,),
        group=VIEWS_GROUP,
        status_tip=False,
    )
    for n, view in enumerate(View, start=1)
)

Key = QKeySequence.StandardKey
# One row per action: name, menu, text, shortcut, handler, then what else it has.
ACTIONS: tuple[ActionSpec | SubmenuSpec, ...] = (
    ActionSpec(
        "new", FILE, "&New document", "Ctrl+N", "new_document",
        tip="Paste or type a document in a new tab",
    ),
    ActionSpec("open", FILE, "&Open…", Key.Open, "open_dialog", tip="Open documents"),
    ActionSpec(
        "connect", FILE, "&Connect to a server…", "Ctrl+Shift+O", "show_connect",
        tip="Open a workflow's history from a Temporal server or Temporal Cloud",
    ),
    ActionSpec(
        "related", FILE, "Open a re&lated run…", "Ctrl+Shift+L", "show_related",
        tip="The parent, previous or next run, or a child of the run in this tab", needs=TAB,
    ),
    SubmenuSpec("recent", FILE, "Open &recent"),
    SubmenuSpec("sample", FILE, "Open s&ample"),
    ActionSpec(
        "paste", FILE, "&Paste as new document", Key.Paste, "paste",
        tip="Open the clipboard's text or files",
    ),
    ActionSpec(
        "export", FILE, "&Export…", "Ctrl+E", "export_dialog",
        tip="Save the document in the current view", separator=True, needs=DOCUMENT,
    ),
    ActionSpec(
        "screenshot", FILE, "Save audit &screenshot…", "Ctrl+Shift+S", "screenshot_dialog",
        tip="Save a PNG of this view with its audit caption",
    ),
    ActionSpec(
        "evidence", FILE, "Save &evidence…", "Ctrl+Alt+S", "evidence_dialog",
        tip="Save the screenshot, the shown value, its manifest and the redaction rules in a "
        "folder that verify can check", needs=DOCUMENT,
    ),
    ActionSpec(
        "compare_with", FILE, "Compare &with document…", "Ctrl+Alt+O", "compare_dialog",
        tip="Compare this document with another (two runs: aligned event by event)",
        separator=True, needs=DOCUMENT,
    ),
    ActionSpec(
        "close_tab", FILE, "&Close tab", "Ctrl+W", "close_current_tab",
        separator=True, needs=TAB,
    ),
    ActionSpec("quit", FILE, "&Quit", Key.Quit, "close"),
    ActionSpec(
        "copy_value", EDIT, "Copy &value", "Ctrl+Shift+C", "copy_value",
        on_tab=True, needs=DOCUMENT,
    ),
    ActionSpec(
        "copy_path", EDIT, "Copy &path", "Ctrl+Alt+C", "copy_path", on_tab=True, needs=DOCUMENT
    ),
    ActionSpec("find", EDIT, "&Search payloads", "Ctrl+F", "focus_filter", on_tab=True),
    ActionSpec("find_next", EDIT, "Next &match", "F3", "next_match", on_tab=True),
    ActionSpec("find_previous", EDIT, "Pre&vious match", "Shift+F3", "previous_match", on_tab=True),
    ActionSpec(
        "compare", EDIT, "Co&mpare selected payloads", "Ctrl+Shift+D", "compare_selected",
        tip="Side by side: the two payloads selected (Ctrl+click the second one)",
        separator=True, needs=DOCUMENT,
    ),
    *VIEW_ACTIONS,
    ActionSpec(
        "download", VIEW, "&Download selected reference", "Ctrl+D", "download_selected",
        separator=True, needs=DOCUMENT,
    ),
    ActionSpec(
        "refresh", VIEW, "&Refresh from storage", "F5", "refresh",
        tip="Run the view again, fetching references anew", needs=DOCUMENT,
    ),
    ActionSpec(
        "cancel", VIEW, "&Cancel running work", "Esc", "cancel_work",
        tip="Cancel what is running",
    ),
    ActionSpec("server", VIEW, "Codec &server", "Ctrl+Shift+K", None),  # the dock's toggle
    ActionSpec(
        "redaction", SETTINGS, "&Redaction rules…", "Ctrl+Shift+R", "show_redaction",
        tip="Hide values in what is shown, copied, exported and saved as evidence",
    ),
    ActionSpec(
        "config", SETTINGS, "&Profiles and config file…", "Ctrl+,", "show_config",
        tip="Which config is in use",
    ),
    ActionSpec("about", HELP, "&About Payload Inspector", "F1", "show_about"),
)  # fmt: skip


@dataclass(frozen=True)
class ToolbarLabel:
    text: str


# The toolbar, left to right: action names, separators, labels, the window's profile
# picker, and a stretch that pushes what follows to the right end.
SEPARATOR, PROFILE_PICKER, STRETCH = "|", "<profile picker>", "<stretch>"
TOOLBAR: tuple[str | ToolbarLabel, ...] = (
    "open",
    SEPARATOR,
    ToolbarLabel(" View: "),
    *(spec.name for spec in VIEW_ACTIONS),
    SEPARATOR,
    PROFILE_PICKER,
    STRETCH,
    "redaction",
    "screenshot",
    "server",
)


def build_actions(
    window: QMainWindow,
    current_tab: Callable[[], object | None],
    provided: Mapping[str, QAction],
) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Every action of ``ACTIONS`` (added to ``window``) and every submenu, by name."""
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {}
    groups: dict[str, QActionGroup] = {}
    for spec in ACTIONS:
        if isinstance(spec, SubmenuSpec):
            menus[spec.name] = QMenu(spec.text, window)
            continue
        action = provided.get(spec.name)
        if action is None:
            action = QAction(window)
        action.setText(spec.text)
        if spec.shortcut is not None:
            action.setShortcut(QKeySequence(spec.shortcut))
        if spec.tip:
            if spec.status_tip:
                action.setStatusTip(spec.tip)
            shown = action.shortcut().toString()
            action.setToolTip(f"{spec.tip} ({shown})" if spec.shortcut else spec.tip)
        if spec.handler is not None:
            action.triggered.connect(_handler(window, spec, current_tab))
        if spec.group is not None:
            action.setCheckable(True)
            if spec.group not in groups:
                groups[spec.group] = QActionGroup(window)
                groups[spec.group].setExclusive(True)
            groups[spec.group].addAction(action)
        window.addAction(action)
        actions[spec.name] = action
    return actions, menus


def _handler(
    window: QMainWindow, spec: ActionSpec, current_tab: Callable[[], object | None]
) -> Callable[[], None]:
    name, args = spec.handler or "", spec.args
    if spec.on_tab:

        def on_tab() -> None:
            tab = current_tab()
            if tab is not None:
                getattr(tab, name)(*args)

        return on_tab
    return lambda: getattr(window, name)(*args)


def build_menus(
    window: QMainWindow, actions: Mapping[str, QAction], menus: Mapping[str, QMenu]
) -> None:
    """The menu bar: each menu lists its specs in the table's order."""
    bar = window.menuBar()
    made = {title: bar.addMenu(title) for title in MENUS}
    for spec in ACTIONS:
        if isinstance(spec, SubmenuSpec):
            made[spec.menu].addMenu(menus[spec.name])
            continue
        if spec.menu is None:
            continue
        menu = made[spec.menu]
        if spec.separator:
            menu.addSeparator()
        menu.addAction(actions[spec.name])


def build_toolbar(
    window: QMainWindow, actions: Mapping[str, QAction], profile_picker: Sequence[QWidget]
) -> QToolBar:
    """The main toolbar, laid out by ``TOOLBAR``."""
    bar = QToolBar("Main")
    bar.setObjectName("mainToolbar")
    bar.setMovable(False)
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    window.addToolBar(bar)
    for item in TOOLBAR:
        if isinstance(item, ToolbarLabel):
            bar.addWidget(QLabel(item.text))
        elif item == SEPARATOR:
            bar.addSeparator()
        elif item == PROFILE_PICKER:
            for widget in profile_picker:
                bar.addWidget(widget)
        elif item == STRETCH:
            spacer = QWidget()
            spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            bar.addWidget(spacer)
        else:
            bar.addAction(actions[item])
    return bar


def enable_for(actions: Mapping[str, QAction], *, tab: bool, document: bool) -> None:
    """Enable the actions that need a tab or a loaded document by whether there is one."""
    has = {TAB: tab, DOCUMENT: document}
    for spec in ACTIONS:
        if isinstance(spec, ActionSpec) and spec.needs is not None:
            actions[spec.name].setEnabled(has[spec.needs])


def fill_sample_menu(
    menu: QMenu, samples: Sequence[Sample], open_sample: Callable[[Sample], object]
) -> None:
    """File → Open sample: one entry per shipped sample, its description as status tip."""
    for sample in samples:
        action = menu.addAction(sample.title)
        action.setStatusTip(sample.description)
        action.triggered.connect(lambda _=False, s=sample: open_sample(s))


def fill_recent_menu(
    menu: QMenu,
    files: Sequence[str],
    open_file: Callable[[str], object],
    clear: Callable[[], object],
) -> None:
    """File → Open recent: the files (full path as status tip), then Clear; disabled
    while there are none."""
    menu.clear()
    for path in files:
        action = menu.addAction(Path(path).name)
        action.setStatusTip(path)
        action.triggered.connect(lambda _=False, p=path: open_file(p))
    if files:
        menu.addSeparator()
        menu.addAction("Clear recent files", clear)
    menu.setEnabled(bool(files))
