// Sparklines inside item views (the Overview's fleet table, the Charts page's route table): a delegate that
// paints a small line from a point list the model hands out under a role (SparkData, cached by the model and
// replaced once per tick), so there is no widget per row and a repaint of a visible row is one polyline.
//
// The line: one polyline per run of finite points, a lone point between two breaks as a dot. A NaN point is
// a break (SeriesStore::points() puts one where a sample is missing or a figure is absent), never joined
// across and never drawn as zero. The y axis runs from 0 to a little above the largest value (at least
// SparkData::min_top). Greyed (the source is not live), the line is drawn in the muted colour.
//
// Threading: GUI thread only.
#pragma once

#include <QList>
#include <QMetaType>
#include <QPointF>
#include <QStyledItemDelegate>
#include <cstdint>

namespace redline::ui {

/// What one sparkline cell shows: points (x = unix ms, y = value; NaN = break) over [from_ms, to_ms].
struct SparkData {
    QList<QPointF> points;
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 1;
    double min_top = 1.0;  // the y axis reaches at least this high (a flat zero stays at the bottom)
    bool greyed = false;

    /// Top of the y axis: max(min_top, 1.15 x the largest finite value).
    double top() const;
    /// Runs of finite points inside [from_ms, to_ms], each drawn as one polyline (a dot when it has one
    /// point).
    QList<QList<QPointF>> runs() const;
};

/// Paints d into r (the line only, no background) in colour c (the muted colour when d.greyed).
void paintSparkline(QPainter& p, const QRectF& r, const SparkData& d, const QColor& c);

class SparklineDelegate : public QStyledItemDelegate {
    Q_OBJECT
  public:
    /// role: the model role holding a SparkData.
    explicit SparklineDelegate(int role, QObject* parent = nullptr);
    void paint(QPainter* p, const QStyleOptionViewItem& opt, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& opt, const QModelIndex& index) const override;

  private:
    int role_;
};

}  // namespace redline::ui

Q_DECLARE_METATYPE(redline::ui::SparkData)
