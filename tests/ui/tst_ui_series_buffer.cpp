// The ring buffer and its decimation, as pure logic.
#include "series_buffer.h"

#include <QTest>
#include <cmath>

using throttlelab::ui::SeriesBuffer;

class TestSeriesBuffer : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void keepsNewestWhenFull() {
        SeriesBuffer b(4);
        for (int i = 0; i < 10; ++i)
            b.append(i, i * 10);
        QCOMPARE(b.size(), std::size_t(4));
        QCOMPARE(b.at(0), QPointF(6, 60));
        QCOMPARE(b.at(3), QPointF(9, 90));
        b.clear();
        QVERIFY(b.empty());
        QVERIFY(b.decimated(0, 10, 100).isEmpty());
    }

    void smallInputIsReturnedWhole() {
        SeriesBuffer b(100);
        for (int i = 0; i < 10; ++i)
            b.append(i, i);
        double top = -1;
        const QList<QPointF> pts = b.decimated(2, 5, 100, &top);
        // 2..5 plus one neighbour on each side, so the line reaches both edges.
        QCOMPARE(pts.size(), 6);
        QCOMPARE(pts.first(), QPointF(1, 1));
        QCOMPARE(pts.last(), QPointF(6, 6));
        QCOMPARE(top, 6.0);
    }

    void decimatesToTwoPointsPerColumn() {
        SeriesBuffer b(100000);
        for (int i = 0; i < 100000; ++i)
            b.append(i * 0.001, std::sin(i * 0.01));
        const int columns = 200;
        const QList<QPointF> pts = b.decimated(0, 100, columns);
        QVERIFY(pts.size() <= 2 * columns + 4);
        QVERIFY(pts.size() >= columns);
        for (int i = 1; i < pts.size(); ++i)
            QVERIFY(pts[i].x() >= pts[i - 1].x());
    }

    void keepsSpikesVisible() {
        SeriesBuffer b(100000);
        for (int i = 0; i < 50000; ++i)
            b.append(i, i == 31337 ? 1000.0 : (i == 4242 ? -5.0 : 1.0));
        double top = 0;
        const QList<QPointF> pts = b.decimated(0, 50000, 100, &top);
        QCOMPARE(top, 1000.0);
        bool spike = false, dip = false;
        for (const QPointF& p : pts) {
            spike = spike || p == QPointF(31337, 1000.0);
            dip = dip || p == QPointF(4242, -5.0);
        }
        QVERIFY(spike);
        QVERIFY(dip);
    }

    void rangeOutsideDataGivesNeighbourOnly() {
        SeriesBuffer b(10);
        b.append(1, 1);
        b.append(2, 2);
        const QList<QPointF> pts = b.decimated(5, 10, 50);
        QCOMPARE(pts.size(), 1); // the last point, so a line can reach into the window
        QVERIFY(b.decimated(5, 5, 50).isEmpty());
        QVERIFY(b.decimated(0, 10, 0).isEmpty());
    }

    void wrapsAndStillSearchesInOrder() {
        SeriesBuffer b(1000);
        for (int i = 0; i < 2500; ++i)
            b.append(i, i % 7);
        const QList<QPointF> pts = b.decimated(1600, 1700, 1000);
        QCOMPARE(pts.first().x(), 1599.0);
        QCOMPARE(pts.last().x(), 1701.0);
        QCOMPARE(pts.size(), 103);
    }
};

QTEST_APPLESS_MAIN(TestSeriesBuffer)
#include "tst_ui_series_buffer.moc"
