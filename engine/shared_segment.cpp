#include "shared_segment.h"

#include <QFile>
#include <cstring>
#include <new>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <thread>

namespace throttlelab {
namespace {

struct LockGuard {
    explicit LockGuard(QSharedMemory& m)
        : m_(m)
        , held_(m.lock()) {}
    ~LockGuard() {
        if (held_) m_.unlock();
    }
    QSharedMemory& m_;
    bool held_;
};

ProcessIdentity headerOwner(const shm::Header& h) {
    return {pid_t(h.owner_pid.load()), h.owner_start_ticks.load()};
}

void initialize(shm::Segment* s) {
    // Value-initialises every atomic to zero; the segment may hold a dead run's bytes.
    new (s) shm::Segment();
    shm::Header& h = s->header;
    h.magic = shm::kMagic;
    h.layout_version = shm::kLayoutVersion;
    h.header_size = sizeof(shm::Header);
    h.total_size = shm::kSegmentSize;
    const ProcessIdentity me = ProcessIdentity::self();
    h.owner_pid.store(me.pid);
    h.owner_start_ticks.store(me.start_ticks);
    h.created_ns = monotonicNow();
    h.state.store(std::uint32_t(shm::SegmentState::Ready), std::memory_order_release);
}

} // namespace

QString validateSegmentBytes(const void* data, std::size_t size) {
    if (!data || size < sizeof(shm::Header))
        return QStringLiteral("it is %1 bytes, too small to be a ThrottleLab segment").arg(size);
    shm::Header h;
    std::memcpy(static_cast<void*>(&h), data, sizeof h);
    if (h.magic != shm::kMagic)
        return QStringLiteral("it is not a ThrottleLab segment (bad magic)");
    if (h.layout_version != shm::kLayoutVersion)
        return QStringLiteral("it has layout version %1, this build reads version %2")
            .arg(h.layout_version)
            .arg(shm::kLayoutVersion);
    if (h.header_size != sizeof(shm::Header) || h.total_size != shm::kSegmentSize ||
        size < shm::kSegmentSize)
        return QStringLiteral("its header is corrupt (sizes %1/%2 for %3 bytes)")
            .arg(h.header_size)
            .arg(h.total_size)
            .arg(size);
    return {};
}

QString SharedSegment::keyFor(const QString& name) {
    return QStringLiteral("throttlelab.") + name;
}

SharedSegment::SharedSegment(const QString& name)
    : name_(name)
    , memory_(keyFor(name)) {}

SharedSegment::~SharedSegment() {
    if (memory_.isAttached()) memory_.detach();
}

bool SharedSegment::ownerAlive() const {
    const ProcessIdentity now = headerOwner(segment_->header);
    return now.pid == owner_.pid && now.start_ticks == owner_.start_ticks && owner_.isAlive();
}

std::unique_ptr<SharedSegment> SharedSegment::createOwned(const QString& name, QString* error) {
    std::unique_ptr<SharedSegment> seg(new SharedSegment(name));
    QSharedMemory& m = seg->memory_;
    if (m.create(int(shm::kSegmentSize))) {
        LockGuard lock(m);
        seg->segment_ = static_cast<shm::Segment*>(m.data());
        initialize(seg->segment_);
        seg->owner_ = ProcessIdentity::self();
        return seg;
    }
    if (m.error() != QSharedMemory::AlreadyExists || !m.attach()) {
        *error =
            QStringLiteral("cannot create shared memory for '%1': %2").arg(name, m.errorString());
        return nullptr;
    }
    LockGuard lock(m);
    const QString invalid = validateSegmentBytes(m.constData(), std::size_t(m.size()));
    if (!invalid.isEmpty()) {
        *error = QStringLiteral("refusing the existing segment of '%1': %2; if no program uses it, "
                                "remove it with: throttlectl remove %1")
                     .arg(name, invalid);
        return nullptr;
    }
    auto* s = static_cast<shm::Segment*>(m.data());
    const ProcessIdentity previous = headerOwner(s->header);
    if (previous.isAlive()) {
        *error = QStringLiteral("a throttle named '%1' is already running (owner pid %2)")
                     .arg(name)
                     .arg(previous.pid);
        return nullptr;
    }
    // Its owner died without cleaning up: take it over, as new.
    initialize(s);
    seg->segment_ = s;
    seg->owner_ = ProcessIdentity::self();
    return seg;
}

std::unique_ptr<SharedSegment> SharedSegment::attach(const QString& name, QString* error) {
    std::unique_ptr<SharedSegment> seg(new SharedSegment(name));
    QSharedMemory& m = seg->memory_;
    if (!m.attach()) {
        *error = m.error() == QSharedMemory::NotFound
                     ? QStringLiteral("no throttle named '%1' is running").arg(name)
                     : QStringLiteral("cannot attach to '%1': %2").arg(name, m.errorString());
        return nullptr;
    }
    LockGuard lock(m);
    const QString invalid = validateSegmentBytes(m.constData(), std::size_t(m.size()));
    if (!invalid.isEmpty()) {
        *error = QStringLiteral("refusing the segment of '%1': %2").arg(name, invalid);
        return nullptr;
    }
    seg->segment_ = static_cast<shm::Segment*>(m.data());
    seg->owner_ = headerOwner(seg->segment_->header);
    if (!seg->owner_.isAlive()) {
        *error = QStringLiteral("no throttle named '%1' is running (its owner, pid %2, is gone)")
                     .arg(name)
                     .arg(seg->owner_.pid);
        return nullptr;
    }
    return seg;
}

bool SharedSegment::exists(const QString& name) {
    // Attaching and detaching would remove a segment nobody else holds, so the System V id is
    // looked up the way Qt 6.4 derives it: ftok() of the native key's file.
    const QSharedMemory m(keyFor(name));
    const QByteArray file = QFile::encodeName(m.nativeKey());
    if (!QFile::exists(m.nativeKey())) return false;
    const key_t key = ftok(file.constData(), 'Q');
    return key != -1 && shmget(key, 0, 0) != -1;
}

bool SharedSegment::removeAbandoned(const QString& name, QString* error) {
    QSharedMemory m(keyFor(name));
    if (!m.attach()) {
        *error = QStringLiteral("no segment named '%1' exists").arg(name);
        return false;
    }
    {
        LockGuard lock(m);
        if (validateSegmentBytes(m.constData(), std::size_t(m.size())).isEmpty()) {
            auto* s = static_cast<const shm::Segment*>(m.constData());
            const ProcessIdentity owner = headerOwner(s->header);
            if (owner.isAlive()) {
                *error = QStringLiteral("'%1' is in use by its owner, pid %2; stop it first")
                             .arg(name)
                             .arg(owner.pid);
                return false;
            }
        }
    }
    // The last detach removes a System V segment.
    m.detach();
    if (exists(name)) {
        *error = QStringLiteral("'%1' is still attached by other processes").arg(name);
        return false;
    }
    return true;
}

} // namespace throttlelab
