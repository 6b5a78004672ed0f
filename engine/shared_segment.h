#pragma once
// One named throttle's shared memory: created by its owner, attached by workers, the
// monitor, the throttle process and observers. Creating, attaching and tearing down are
// serialised per name by an flock() on a lock file (it is released when its holder dies);
// everything inside the segment is lock-free atomics.
#include "process_identity.h"
#include "segment_layout.h"

#include <QSharedMemory>
#include <QString>
#include <memory>

namespace throttlelab {

// Checks a mapped segment's header: empty when it is a ready ThrottleLab segment of this
// layout, else one line saying what it is instead. Safe on any bytes of any size.
QString validateSegmentBytes(const void* data, std::size_t size);

class SharedSegment {
public:
    // Creates the segment of `name` for this process as its owner. A segment whose owner is
    // dead is replaced by a new one; a live one, a foreign one or one of another layout is
    // refused.
    static std::unique_ptr<SharedSegment> createOwned(const QString& name, QString* error);
    // Attaches to a running throttle's segment.
    static std::unique_ptr<SharedSegment> attach(const QString& name, QString* error);
    // Removes a segment nobody owns any more (any layout, any contents), for `throttlectl
    // remove`, even while processes of the dead run are still attached. Fails while a live
    // owner holds it.
    static bool removeAbandoned(const QString& name, QString* error);
    // True when a segment of that name exists (of any kind).
    static bool exists(const QString& name);
    // The file whose identity names the System V segment of `name` (QSharedMemory's native
    // key). It lies in a directory private to this user that does not depend on TMPDIR; the
    // directory is created when missing.
    static QString nativeKeyFor(const QString& name);

    ~SharedSegment();
    SharedSegment(const SharedSegment&) = delete;
    SharedSegment& operator=(const SharedSegment&) = delete;

    shm::Segment& data() const { return *segment_; }
    const QString& name() const { return name_; }
    // The owner this process saw when it attached; when it changes or dies, the throttle
    // this process joined is gone.
    ProcessIdentity owner() const { return owner_; }
    bool ownerAlive() const;
    // Time since the segment's creation: the time base of all pacing state.
    Nanos relative(Nanos monotonic) const { return monotonic - segment_->header.created_ns; }

private:
    SharedSegment(const QString& name);
    QString name_;
    QSharedMemory memory_;
    shm::Segment* segment_ = nullptr;
    ProcessIdentity owner_;
};

} // namespace throttlelab
