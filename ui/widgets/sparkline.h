// A small line of one figure's recent history (overview cards), painted with QPainter: one polyline per run
// of finite points, a lone point between two breaks as a dot. A NaN point is a break (SeriesStore::points()
// puts one where a sample is missing or a figure is absent), never joined across and never drawn as zero.
// The y axis runs from 0 to a little above the largest value shown (at least minimumTop()); an optional
// bound (the SLO) is a faint dashed line when it falls inside that range. Greyed, the line is drawn in the
// muted colour (the agent is not live).
//
// Threading: GUI thread only.
#pragma once

#include <QColor>
#include <QList>
#include <QPointF>
#include <QWidget>
#include <cstdint>
#include <optional>

namespace redline::ui {

class Sparkline : public QWidget {
    Q_OBJECT
  public:
    explicit Sparkline(QWidget* parent = nullptr);

    /// Points (x = unix ms, y = value; NaN = break) over the time span [from_ms, to_ms], drawn left to right.
    void setPoints(QList<QPointF> points, std::int64_t from_ms, std::int64_t to_ms);
    void setColor(const QColor& c);
    void setGreyed(bool greyed);
    /// The y axis reaches at least this high (a flat zero line stays at the bottom, not in the middle).
    void setMinimumTop(double top) { min_top_ = top; }
    void setBound(std::optional<double> bound);

    const QList<QPointF>& points() const { return points_; }
    bool isGreyed() const { return greyed_; }
    /// The colour the line is drawn in now (the muted colour while greyed).
    QColor lineColor() const;
    /// Runs of finite points as drawn (tests): each is one polyline, or a dot when it has one point.
    QList<QList<QPointF>> runs() const;
    /// Widget x of a time, y of a value (tests).
    qreal xAt(double t_ms) const;
    qreal yAt(double v) const;
    double top() const { return top_; }

    QSize sizeHint() const override { return {120, 26}; }
    QSize minimumSizeHint() const override { return {40, 18}; }

  protected:
    void paintEvent(QPaintEvent* e) override;

  private:
    QList<QPointF> points_;
    std::int64_t from_ms_ = 0, to_ms_ = 1;
    QColor color_;
    bool greyed_ = false;
    double min_top_ = 1.0;
    double top_ = 1.0;
    std::optional<double> bound_;
};

}  // namespace redline::ui
