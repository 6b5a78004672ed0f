// How numbers read (number_format.h) and how CSV is written (csv_writer.h): pure functions.
#include "csv_writer.h"
#include "number_format.h"

#include <QTest>

using namespace throttlelab;

class TestFormatting : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ratesKeepAboutThreeDigits() {
        QCOMPARE(formatRate(0.25), QStringLiteral("0.25"));
        QCOMPARE(formatRate(4), QStringLiteral("4.00"));
        QCOMPARE(formatRate(38.46), QStringLiteral("38.5"));
        QCOMPARE(formatRate(950.4), QStringLiteral("950"));
        QCOMPARE(formatRate(12500), QStringLiteral("12.5k"));
        QCOMPARE(formatRate(250000), QStringLiteral("250k"));
        QCOMPARE(formatRate(2.4e6), QStringLiteral("2.40M"));
        QCOMPARE(formatRate(9.81e6), QStringLiteral("9.81M"));
    }

    void gapsTakeTheUnitThatReadsBest() {
        QCOMPARE(formatGap(0), QStringLiteral("-"));
        QCOMPARE(formatGap(850e-9), QStringLiteral("850 ns"));
        QCOMPARE(formatGap(12.5e-6), QStringLiteral("12.5 us"));
        QCOMPARE(formatGap(0.0032), QStringLiteral("3.20 ms"));
        QCOMPARE(formatGap(1.5), QStringLiteral("1.50 s"));
    }

    void durationsAsPeopleSayThem() {
        QCOMPARE(formatDuration(-1), QStringLiteral("?"));
        QCOMPARE(formatDuration(4.24), QStringLiteral("4.2 s"));
        QCOMPARE(formatDuration(42), QStringLiteral("42 s"));
        QCOMPARE(formatDuration(185), QStringLiteral("3 min 05 s"));
        QCOMPARE(formatDuration(3720), QStringLiteral("1 h 02 min"));
    }

    void theCorrectionHasFourDigits() {
        QCOMPARE(formatCorrection(0.442595480361), QStringLiteral("0.4426"));
        QCOMPARE(formatCorrection(0), QStringLiteral("0"));
    }

    void csvQuotesOnlyWhatNeedsIt() {
        QByteArray out;
        CsvWriter csv(&out);
        csv.row({QStringLiteral("plain"), QStringLiteral("a,b"), QStringLiteral("say \"hi\""),
                 QStringLiteral("two\nlines"), QString()});
        csv.field(qint64(-3)).field(0.5, 'f', 3).flag(true).field(QStringLiteral("é"));
        csv.endRow();
        QCOMPARE(out, QByteArray("plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\n"
                                 "-3,0.500,1,\xc3\xa9\n"));
    }
};

QTEST_APPLESS_MAIN(TestFormatting)
#include "tst_formatting.moc"
