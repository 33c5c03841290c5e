// Includes point down (shared/STYLE.md): in core/ and agents/, no file includes a header that itself depends
// on it. A header and its .cpp are one unit ("core/load/engine"), so "recorder.cpp includes
// metrics_collectable.h, which includes recorder.h" is a cycle too. Reads the source tree, lists every cycle.
#include <QDirIterator>
#include <QFile>
#include <QRegularExpression>
#include <QtTest>
#include <map>
#include <set>

class TestIncludeGraph : public QObject {
    Q_OBJECT

  private slots:
    void no_include_points_back_up() {
        const QString root = QStringLiteral(REDLINE_SOURCE_DIR);
        std::map<QString, std::set<QString>> edges;  // unit -> units it includes
        const QRegularExpression inc(QStringLiteral("^\\s*#\\s*include\\s+\"((core|agents)/[^\"]+)\\.h\""));
        int files = 0;
        for (const QString& dir : {QStringLiteral("core"), QStringLiteral("agents")}) {
            QDirIterator it(root + "/" + dir, {"*.h", "*.cpp"}, QDir::Files, QDirIterator::Subdirectories);
            while (it.hasNext()) {
                const QString path = it.next();
                QString unit = path.mid(root.size() + 1);
                unit.chop(unit.endsWith(".cpp") ? 4 : 2);
                QFile f(path);
                QVERIFY(f.open(QIODevice::ReadOnly));
                ++files;
                edges[unit];
                for (const QByteArray& line : f.readAll().split('\n')) {
                    const auto m = inc.match(QString::fromUtf8(line));
                    if (m.hasMatch() && m.captured(1) != unit) edges[unit].insert(m.captured(1));
                }
            }
        }
        QVERIFY2(files > 50, "the source tree was not found");
        // Depth-first search for back edges; each cycle is reported once by its path.
        std::map<QString, int> state;  // 0 new, 1 on the stack, 2 done
        QStringList stack, cycles;
        std::function<void(const QString&)> visit = [&](const QString& u) {
            state[u] = 1;
            stack << u;
            for (const QString& v : edges[u]) {
                if (state[v] == 1) {
                    cycles << (stack.mid(stack.indexOf(v)) << v).join(" -> ");
                } else if (state[v] == 0) {
                    visit(v);
                }
            }
            stack.removeLast();
            state[u] = 2;
        };
        for (const auto& [u, _] : edges)
            if (state[u] == 0) visit(u);
        QVERIFY2(cycles.isEmpty(), qPrintable("include cycles:\n  " + cycles.join("\n  ")));
    }
};

QTEST_APPLESS_MAIN(TestIncludeGraph)
#include "tst_include_graph.moc"
