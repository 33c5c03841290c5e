// Helpers of the rollout GUI tests (tests/gui/tst_rollout_*.cpp): type into a cell of the plan table as a
// user does, read the agent's own view of the rollout, count its rollout events, and send client traffic to
// the sample API from many client keys. Header-only: only the gui tests link redline::ui.
//
// Threading: the test's main thread, except Traffic's own worker threads.
#pragma once

#include <QApplication>
#include <QTableView>
#include <QTest>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/agent_client.h"
#include "core/rollout.h"
#include "tests/support/raw_http.h"

namespace redline::test {

/// Types `text` into a cell of the plan table as a user does: click the cell, F2, select all, type, Enter.
/// Returns false (and the caller fails) when no editor opened or the table did not get the focus back.
inline bool typeIntoCell(QTableView* table, int row, int col, const QString& text) {
    const QModelIndex idx = table->model()->index(row, col);
    table->scrollTo(idx);
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, table->visualRect(idx).center());
    QTest::keyClick(table, Qt::Key_F2);
    QWidget* editor = QApplication::focusWidget();
    if (!editor || editor == table) return false;
    QTest::keyClick(editor, Qt::Key_A, Qt::ControlModifier);
    QTest::keyClicks(editor, text);
    QTest::keyClick(editor, Qt::Key_Return);
    // The delegate commits (and closes the editor) from a queued call, after the editor's own fixup.
    for (int i = 0; i < 250 && QApplication::focusWidget() != table; ++i)
        QTest::qWait(20);
    return QApplication::focusWidget() == table;
}

/// The agent's own view of the rollout (not the panel's).
inline std::optional<RolloutStatus> agentRollout(AgentClient& c, long* http = nullptr) {
    auto r = c.call_json("GET", "/v1/rollout");
    if (http) *http = r.http_status;
    if (!r.ok()) return std::nullopt;
    return parse_rollout_status(*r.value);
}

inline int rolloutEvents(AgentClient& c) {
    auto page = c.events(0, 500);
    int n = 0;
    if (page.ok())
        for (const auto& e : page.value->events)
            if (e.kind.rfind("rollout.", 0) == 0) ++n;
    return n;
}

/// Requests to the sample API from many client keys (the canary choice is sticky per key) until destroyed.
class Traffic {
  public:
    explicit Traffic(quint16 port) {
        for (int t = 0; t < 2; ++t)
            threads_.emplace_back([this, port, t] {
                for (int i = 0; !stop_; ++i) {
                    http_request(port, "GET", "/v1/products?page_size=1",
                                 {{"X-API-Key", "k" + std::to_string(t) + "-" + std::to_string(i % 200)}});
                    std::this_thread::sleep_for(std::chrono::milliseconds(4));
                }
            });
    }
    ~Traffic() {
        stop_ = true;
        for (auto& t : threads_)
            t.join();
    }
    Traffic(const Traffic&) = delete;
    Traffic& operator=(const Traffic&) = delete;

  private:
    std::atomic<bool> stop_{false};
    std::vector<std::thread> threads_;
};

}  // namespace redline::test
