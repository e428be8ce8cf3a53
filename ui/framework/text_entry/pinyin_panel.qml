// The pinyin keyboard of the text-entry component (ui/framework/text_entry/pinyin.py).
// Qt Virtual Keyboard's own InputPanel, 简体中文 first; its small candidate strip is hidden
// because the component shows the candidates in its own large row (fed through `bridge`).
import QtQuick
import QtQuick.VirtualKeyboard
import QtQuick.VirtualKeyboard.Core
import QtQuick.VirtualKeyboard.Settings

Item {
    id: root
    objectName: "pinyinRoot"
    // the height of the keys alone (with candidates the panel grows upwards by the hidden
    // strip's height: the view is only this tall and the panel sits at its bottom)
    readonly property real keysHeight: panel.keyboard ? panel.keyboard.height : 0
    onKeysHeightChanged: bridge.keysResized()

    InputPanel {
        id: panel
        objectName: "pinyinPanel"
        anchors.left: parent.left
        anchors.right: parent.right
        anchors.bottom: parent.bottom
        active: true
    }

    Connections {
        target: InputContext.inputEngine.wordCandidateListModel
        function onModelReset() { root.publish() }
        function onCountChanged() { root.publish() }
        function onDataChanged() { root.publish() }
    }

    Component.onCompleted: {
        VirtualKeyboardSettings.activeLocales = ["zh_CN", "en_US"]
        VirtualKeyboardSettings.locale = "zh_CN"
        // no "hide keyboard" key: the keyboard is the page; the language key stays (ABC)
        VirtualKeyboardSettings.visibleFunctionKeys = QtVirtualKeyboard.KeyboardFunctionKeys.Language
        panel.keyboard.wordCandidateView.visible = false
        applyScale()
    }

    // Every candidate of the current spelling, in the engine's order, to the component.
    function publish() {
        var model = InputContext.inputEngine.wordCandidateListModel
        var out = []
        for (var i = 0; i < model.count; i++)
            out.push(model.dataAt(i, 0))
        bridge.setCandidates(out)
    }

    // Larger keys and letters: the default style sizes its text by width / design width, so
    // a narrower design width scales the keys' text and height together (1 = Qt's size).
    property real keyScale: 1.0
    property real designWidth: 0
    onKeyScaleChanged: applyScale()
    function applyScale() {
        var style = panel.keyboard.style
        if (!style)
            return
        if (designWidth === 0)
            designWidth = style.keyboardDesignWidth
        style.keyboardDesignWidth = designWidth / keyScale
    }
    Connections {
        target: panel.keyboard
        function onStyleChanged() { root.designWidth = 0; root.applyScale() }
    }

    function select(index) {
        InputContext.inputEngine.wordCandidateListModel.selectItem(index)
    }

    // Back to a fresh 简体中文 keyboard with no symbols showing (the spelling and candidates
    // are dropped by QInputMethod.reset() on the Python side).
    function resetKeyboard() {
        panel.keyboard.symbolMode = false
        if (panel.keyboard.localeIndex !== panel.keyboard.defaultLocaleIndex)
            panel.keyboard.localeIndex = panel.keyboard.defaultLocaleIndex
        publish()
    }

    function locale() { return InputContext.locale }
    function preedit() { return InputContext.preeditText }
}
