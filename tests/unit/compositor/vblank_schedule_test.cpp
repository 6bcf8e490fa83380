// The vblank clock's arithmetic: vblanks at exact multiples of the mode's
// period from the epoch, late ticks mapped to the vblank they were for.
#include <gtest/gtest.h>

#include "compositor/output/vblank_schedule.hpp"

namespace sluice {
namespace {

constexpr uint64_t epoch = 5'000'000'000ull;

TEST(VblankSchedule, PeriodIsTheModesInWholeNanoseconds) {
    EXPECT_EQ(VblankSchedule(epoch, 60000).period_ns(), 16666666u);
    EXPECT_EQ(VblankSchedule(epoch, 59940).period_ns(), 16683350u);
    EXPECT_EQ(VblankSchedule(epoch, 144000).period_ns(), 6944444u);
}

TEST(VblankSchedule, VblanksDoNotDriftByTheRoundedPeriod) {
    VblankSchedule schedule(epoch, 60000);
    // Adding 16666666 ns sixty times would end 40 ns short of a second.
    EXPECT_EQ(schedule.time_of(60), epoch + 1'000'000'000ull);
    EXPECT_EQ(schedule.time_of(3), epoch + 50'000'000ull);
    // An hour at 60 Hz lands on the hour.
    EXPECT_EQ(schedule.time_of(216000), epoch + 3600'000'000'000ull);
}

TEST(VblankSchedule, DaysOfVblanksDoNotOverflow) {
    VblankSchedule schedule(epoch, 60000);
    const uint64_t week = 7ull * 24 * 3600 * 60;
    EXPECT_EQ(schedule.time_of(week), epoch + 7ull * 24 * 3600 * 1'000'000'000ull);
    EXPECT_EQ(schedule.at_or_before(epoch + 7ull * 24 * 3600 * 1'000'000'000ull).seq, week);
}

TEST(VblankSchedule, ALateTickBelongsToTheVblankItWasFor) {
    VblankSchedule schedule(epoch, 60000);
    Vblank v = schedule.at_or_before(schedule.time_of(10) + 9'000'000);
    EXPECT_EQ(v.seq, 10u);
    EXPECT_EQ(v.time_ns, schedule.time_of(10));
    // Exactly on a vblank is that vblank.
    EXPECT_EQ(schedule.at_or_before(schedule.time_of(11)).seq, 11u);
    EXPECT_EQ(schedule.at_or_before(schedule.time_of(11) - 1).seq, 10u);
}

TEST(VblankSchedule, MissedVblanksAdvanceSeqAndKeepThePhase) {
    VblankSchedule schedule(epoch, 60000);
    // The loop slept through vblanks 11 to 14 and woke 3 ms after 15.
    Vblank v = schedule.at_or_before(schedule.time_of(15) + 3'000'000);
    EXPECT_EQ(v.seq, 15u);
    EXPECT_EQ(v.time_ns - epoch, 250'000'000u);
}

TEST(VblankSchedule, BeforeTheEpochIsTheEpoch) {
    VblankSchedule schedule(epoch, 60000);
    EXPECT_EQ(schedule.at_or_before(epoch - 1).seq, 0u);
    EXPECT_EQ(schedule.at_or_before(epoch - 1).time_ns, epoch);
}

} // namespace
} // namespace sluice
