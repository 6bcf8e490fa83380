// The opening of a VM fixture's SetUp that builds on another fixture: the
// base's SetUp first, and nothing more of this one when that skipped the
// test (outside the guest, no device) or failed fatally.
#pragma once

#include <gtest/gtest.h>

#define SLUICE_VM_BASE_SET_UP(Base)           \
    do {                                      \
        Base::SetUp();                        \
        if (IsSkipped() || HasFatalFailure()) \
            return;                           \
    } while (0)
