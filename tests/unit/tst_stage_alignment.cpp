// core/load/stage_alignment.h: aligned at the start nothing moves; per stage, stage i of both runs begins at
// the same x, the common stage is as wide as the longer of the two, a second belongs to the stage its middle
// lies in, extra stages of one run are appended, events map by their instant, and a stored summary's stages
// are read leniently.
#include <QtTest>

#include "core/load/stage_alignment.h"

namespace load = redline::load;
using json = nlohmann::json;

class TstStageAlignment : public QObject {
    Q_OBJECT

  private slots:
    void startAlignmentIsIdentity() {
        const load::StageAlignment a;
        QVERIFY(!a.per_stage());
        QCOMPARE(a.x(0, 12.0), 12.0);
        QCOMPARE(a.x(1, 12.0), 12.0);
        QVERIFY(a.boundaries().empty());
        // Neither run has a stage: the same as at the start.
        const load::StageAlignment none({}, {});
        QVERIFY(!none.per_stage());
        QCOMPARE(none.x(1, 7.0), 7.0);
    }

    void stagesOfDifferentLengthsLineUp() {
        // Baseline: warm 30 s, steady 60 s. Current: warm 10 s, steady 60 s.
        const load::StageAlignment a({{"warm", 0, 30}, {"steady", 30, 60}},
                                     {{"warm", 0, 10}, {"steady", 10, 60}});
        QVERIFY(a.per_stage());
        QCOMPARE(a.boundaries().size(), std::size_t(2));
        QCOMPARE(a.boundaries()[1].x, 30.0);  // the wider warm-up
        QCOMPARE(a.boundaries()[1].label, std::string("stage 2 steady"));
        QCOMPARE(a.boundaries()[1].base_duration_s, 60.0);
        // The first second of steady ends 1 s into it in both runs: x = 31 for both.
        QCOMPARE(a.x(0, 31.0), 31.0);
        QCOMPARE(a.x(1, 11.0), 31.0);
        // The last second of the current warm-up (ends at 10 s, middle 9.5 s) stays in warm.
        QCOMPARE(a.x(1, 10.0), 10.0);
        // The end of steady: 90 s for both.
        QCOMPARE(a.x(0, 90.0), 90.0);
        QCOMPARE(a.x(1, 70.0), 90.0);
        // The drain after the last stage stays after it.
        QCOMPARE(a.x(1, 72.0), 92.0);
        // An event at the instant steady begins is at its boundary.
        QCOMPARE(a.x_of_instant(1, 10.0), 30.0);
        QCOMPARE(a.x_of_instant(1, 9.999), 9.999);
    }

    void positionsNeverGoBack() {
        const load::StageAlignment a({{"a", 0, 5}, {"b", 5, 40}, {"c", 45, 5}},
                                     {{"a", 0, 20}, {"b", 20, 10}});
        for (int side = 0; side < 2; ++side) {
            double last = -1;
            for (double t = 1; t <= 60; t += 1) {
                const double x = a.x(side, t);
                QVERIFY2(
                    x > last,
                    qPrintable(
                        QStringLiteral("side %1 t %2: x %3 after %4").arg(side).arg(t).arg(x).arg(last)));
                last = x;
            }
        }
    }

    void extraStagesAreAppended() {
        const load::StageAlignment a({{"a", 0, 5}, {"b", 5, 40}, {"c", 45, 5}},
                                     {{"a", 0, 20}, {"x", 20, 10}});
        const auto& b = a.boundaries();
        QCOMPARE(b.size(), std::size_t(3));
        QCOMPARE(b[1].x, 20.0);
        QCOMPARE(b[1].label, std::string("stage 2 b (baseline) / x (current)"));
        QCOMPARE(b[2].x, 60.0);  // 20 + max(40, 10)
        QCOMPARE(b[2].label, std::string("stage 3 c (baseline only)"));
        QCOMPARE(b[2].cur_duration_s, -1.0);
        QCOMPARE(a.x(0, 46.0), 61.0);
        // The current run has no third stage: its seconds after its second one follow that one.
        QCOMPARE(a.x(1, 31.0), 31.0);
    }

    void oneRunWithoutStages() {
        const load::StageAlignment a({}, {{"warm", 0, 10}, {"steady", 10, 20}});
        QVERIFY(a.per_stage());
        QCOMPARE(a.x(0, 15.0), 15.0);  // the run without stages is drawn as it ran
        QCOMPARE(a.x(1, 15.0), 15.0);
        QCOMPARE(a.boundaries()[0].label, std::string("stage 1 warm (current only)"));
    }

    void spansFromASummary() {
        const json s = json::parse(R"({"stages": [
            {"name": "warm", "start_s": 0, "duration_s": 10},
            {"name": 7, "start_s": 10, "duration_s": 20},
            {"name": "bad", "start_s": "x", "duration_s": 1},
            {"name": "neg", "start_s": 30, "duration_s": -1},
            {"name": "back", "start_s": 5, "duration_s": 1},
            {"name": "last", "start_s": 30, "duration_s": 5}]})");
        const auto spans = load::stage_spans(s);
        QCOMPARE(spans.size(), std::size_t(3));
        QCOMPARE(spans[0].name, std::string("warm"));
        QCOMPARE(spans[1].name, std::string());  // a name of the wrong type: unnamed, still a stage
        QCOMPARE(spans[1].duration_s, 20.0);
        QCOMPARE(spans[2].name, std::string("last"));
        QVERIFY(load::stage_spans(json()).empty());
        QVERIFY(load::stage_spans(json::parse(R"({"stages": {}})")).empty());
        QVERIFY(load::stage_spans(json::array()).empty());
    }

    void alignmentNames() {
        load::Alignment a = load::Alignment::Start;
        QVERIFY(load::parse_alignment("stages", a));
        QCOMPARE(a, load::Alignment::Stages);
        QVERIFY(load::parse_alignment("start", a));
        QCOMPARE(a, load::Alignment::Start);
        QVERIFY(load::parse_alignment("per-stage", a));
        QVERIFY(!load::parse_alignment("Stages", a));
        QVERIFY(!load::parse_alignment("", a));
        QCOMPARE(std::string(load::to_string(load::Alignment::Stages)), std::string("stages"));
    }
};

QTEST_APPLESS_MAIN(TstStageAlignment)
#include "tst_stage_alignment.moc"
