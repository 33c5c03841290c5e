#include "ui/widgets/theme.h"

#include <QApplication>
#include <QFile>
#include <QPalette>
#include <QStyleFactory>
#include <QStyleHints>

namespace redline::ui {

Theme::Mode Theme::fromString(const QString& s) {
    if (s == QLatin1String("dark")) return Mode::Dark;
    if (s == QLatin1String("light")) return Mode::Light;
    return Mode::System;
}

QString Theme::toString(Mode m) {
    switch (m) {
        case Mode::Dark:
            return QStringLiteral("dark");
        case Mode::Light:
            return QStringLiteral("light");
        case Mode::System:
            break;
    }
    return QStringLiteral("system");
}

bool Theme::resolvesDark(Mode mode) {
    if (mode == Mode::Dark) return true;
    if (mode == Mode::Light) return false;
#if QT_VERSION >= QT_VERSION_CHECK(6, 5, 0)
    if (QGuiApplication::styleHints()->colorScheme() != Qt::ColorScheme::Unknown)
        return QGuiApplication::styleHints()->colorScheme() == Qt::ColorScheme::Dark;
#endif
    const QByteArray env = qgetenv("REDLINE_THEME");
    if (!env.isEmpty()) return env != "light";
    // Qt 6.4: infer from the platform palette; an unstyled offscreen/X11 session reads as light.
    // Sampled once, before apply() installs our own palette.
    static const bool systemDark = QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
    return systemDark;
}

bool Theme::apply(QApplication& app, Mode mode) {
    const bool dark = resolvesDark(mode);
    app.setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QPalette p;
    if (dark) {
        p.setColor(QPalette::Window, QColor(0x0d, 0x11, 0x17));
        p.setColor(QPalette::WindowText, QColor(0xc9, 0xd1, 0xd9));
        p.setColor(QPalette::Base, QColor(0x16, 0x1b, 0x22));
        p.setColor(QPalette::AlternateBase, QColor(0x1c, 0x22, 0x2b));
        p.setColor(QPalette::Text, QColor(0xc9, 0xd1, 0xd9));
        p.setColor(QPalette::Button, QColor(0x21, 0x26, 0x2d));
        p.setColor(QPalette::ButtonText, QColor(0xc9, 0xd1, 0xd9));
        p.setColor(QPalette::Highlight, QColor(0x1f, 0x6f, 0xeb));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::ToolTipBase, QColor(0x21, 0x26, 0x2d));
        p.setColor(QPalette::ToolTipText, QColor(0xe6, 0xed, 0xf3));
        p.setColor(QPalette::PlaceholderText, QColor(0x6e, 0x76, 0x81));
        p.setColor(QPalette::Link, QColor(0x58, 0xa6, 0xff));
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x6e, 0x76, 0x81));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x6e, 0x76, 0x81));
        p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x6e, 0x76, 0x81));
    } else {
        p.setColor(QPalette::Window, QColor(0xf6, 0xf8, 0xfa));
        p.setColor(QPalette::WindowText, QColor(0x24, 0x29, 0x2f));
        p.setColor(QPalette::Base, Qt::white);
        p.setColor(QPalette::AlternateBase, QColor(0xf3, 0xf5, 0xf7));
        p.setColor(QPalette::Text, QColor(0x24, 0x29, 0x2f));
        p.setColor(QPalette::Button, QColor(0xf3, 0xf4, 0xf6));
        p.setColor(QPalette::ButtonText, QColor(0x24, 0x29, 0x2f));
        p.setColor(QPalette::Highlight, QColor(0x09, 0x69, 0xda));
        p.setColor(QPalette::HighlightedText, Qt::white);
        p.setColor(QPalette::ToolTipBase, Qt::white);
        p.setColor(QPalette::ToolTipText, QColor(0x24, 0x29, 0x2f));
        p.setColor(QPalette::PlaceholderText, QColor(0x8c, 0x95, 0x9f));
        p.setColor(QPalette::Link, QColor(0x09, 0x69, 0xda));
        // Disabled (and "not live") text is muted here too, not the active colour.
        p.setColor(QPalette::Disabled, QPalette::Text, QColor(0x8c, 0x95, 0x9f));
        p.setColor(QPalette::Disabled, QPalette::ButtonText, QColor(0x8c, 0x95, 0x9f));
        p.setColor(QPalette::Disabled, QPalette::WindowText, QColor(0x8c, 0x95, 0x9f));
    }
    app.setPalette(p);
    QFile qss(dark ? QStringLiteral(":/redline/themes/dark.qss")
                   : QStringLiteral(":/redline/themes/light.qss"));
    if (qss.open(QIODevice::ReadOnly)) app.setStyleSheet(QString::fromUtf8(qss.readAll()));
    return dark;
}

}  // namespace redline::ui
