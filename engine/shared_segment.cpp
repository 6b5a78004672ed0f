#include "shared_segment.h"

#include <QFile>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <new>
#include <optional>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <unistd.h>

namespace throttlelab {
namespace {

// Where every throttle's key and lock files live. All processes of this user must find the
// same files whatever their environment: QSharedMemory::setKey() derived the key from
// QDir::tempPath(), i.e. TMPDIR, so an owner and a worker started with different TMPDIRs
// did not meet, and a second owner could start under a name already running. XDG_RUNTIME_DIR
// is no better (unset under cron, su and some ssh sessions), hence a fixed path with the
// uid in it.
QByteArray directoryPath() {
    return "/tmp/throttlelab-" + QByteArray::number(uint(geteuid()));
}

// Creates the directory when missing. /tmp is writable by everyone: the directory must be
// ours and closed to others, or another user could plant the files we ftok() and flock().
QString privateDirectory(QString* error) {
    const QByteArray path = directoryPath();
    const QString shown = QFile::decodeName(path);
    if (::mkdir(path.constData(), 0700) != 0 && errno != EEXIST) {
        if (error)
            *error = QStringLiteral("cannot create %1: %2")
                         .arg(shown, QString::fromLocal8Bit(std::strerror(errno)));
        return {};
    }
    struct stat st {};
    if (::lstat(path.constData(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 077) != 0) {
        if (error)
            *error = QStringLiteral("%1 is not a directory of this user closed to others; "
                                    "remove it if no throttle runs")
                         .arg(shown);
        return {};
    }
    return shown;
}

QString keyFile(const QString& dir, const QString& name) {
    return dir + u'/' + name + QStringLiteral(".key");
}

QString lockFile(const QString& dir, const QString& name) {
    return dir + u'/' + name + QStringLiteral(".lock");
}

QString systemError(const char* what, const QString& name) {
    return QStringLiteral("cannot %1 '%2': %3")
        .arg(QLatin1String(what), name, QString::fromLocal8Bit(std::strerror(errno)));
}

// The create/attach/teardown mutex of one name: flock() on a file beside the key file.
// QSharedMemory::lock() cannot serve: with a native key Qt 6.4 makes no QSystemSemaphore,
// so lock() fails. The kernel releases an flock when its holder dies, so a killed holder
// wedges nobody. The file is never deleted: a process could still lock the deleted file
// while another creates and locks a new one under the same path.
class NameLock {
public:
    // `operation` is LOCK_SH (attachers, which need not exclude each other) or LOCK_EX.
    NameLock(const QString& path, int operation, QString* error) {
        fd_ = ::open(QFile::encodeName(path).constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) {
            if (error) *error = systemError("open the lock file", path);
            return;
        }
        while (::flock(fd_, operation) != 0) {
            if (errno == EINTR) continue;
            if (error) *error = systemError("lock", path);
            unlock();
            return;
        }
    }
    ~NameLock() { unlock(); }
    NameLock(const NameLock&) = delete;
    NameLock& operator=(const NameLock&) = delete;
    bool held() const { return fd_ >= 0; }
    // Closing the only descriptor of the open file releases the lock.
    void unlock() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

private:
    int fd_ = -1;
};

// The System V id of the segment QSharedMemory maps for `key_file`, found the way Qt 6.4
// derives it (ftok() of the file, project id 'Q'); -1 when there is none. Attaching would
// not do: a detach by the last attacher removes the segment.
int segmentId(const QString& key_file) {
    const key_t key = ftok(QFile::encodeName(key_file).constData(), 'Q');
    return key == -1 ? -1 : shmget(key, 0, 0);
}

ProcessIdentity headerOwner(const shm::Header& h) {
    return {pid_t(h.owner_pid.load()), h.owner_start_ticks.load()};
}

// On a new segment, which the kernel hands out zero-filled. The owner is written first and
// its pid after its start time, so a creator that dies half-way leaves either no owner
// (pid 0) or its whole identity: either way one that reads as dead.
void initialize(shm::Segment* s) {
    new (s) shm::Segment(); // starts the lifetime of every atomic in it, all zero
    shm::Header& h = s->header;
    const ProcessIdentity me = ProcessIdentity::self();
    h.owner_start_ticks.store(me.start_ticks);
    h.owner_pid.store(me.pid);
    h.layout_version = shm::kLayoutVersion;
    h.header_size = sizeof(shm::Header);
    h.total_size = shm::kSegmentSize;
    h.created_ns = monotonicNow();
    h.magic = shm::kMagic;
    h.state.store(std::uint32_t(shm::SegmentState::Ready), std::memory_order_release);
}

enum class Kind { Live, Stale, Foreign };
struct Verdict {
    Kind kind;
    ProcessIdentity owner; // Live and Stale
    QString what;          // Foreign: what it is instead
};

// What a creator that died half-way leaves: creators initialise under the exclusive lock, so
// nothing else is still Initializing, unless its creator is still at it (and alive). Each
// field holds zero or what initialize() writes, and the magic is written after the others.
// Zeroed memory of exactly this size reads as such too, and is as harmless to replace.
bool halfMade(const shm::Header& h, std::size_t size) {
    const auto zeroOr = [](auto value, auto expected) { return value == 0 || value == expected; };
    return size == shm::kSegmentSize &&
           h.state.load(std::memory_order_acquire) ==
               std::uint32_t(shm::SegmentState::Initializing) &&
           zeroOr(h.magic, shm::kMagic) && zeroOr(h.layout_version, shm::kLayoutVersion) &&
           zeroOr(h.header_size, std::uint32_t(sizeof(shm::Header))) &&
           zeroOr(h.total_size, std::uint64_t(shm::kSegmentSize));
}

// What an existing segment is, read under the name's lock.
Verdict judge(const QSharedMemory& m) {
    const auto* s = static_cast<const shm::Segment*>(m.constData());
    const std::size_t size = std::size_t(m.size());
    if (s && halfMade(s->header, size)) {
        const ProcessIdentity creator = headerOwner(s->header);
        return {creator.isAlive() ? Kind::Live : Kind::Stale, creator, {}};
    }
    if (QString what = validateSegmentBytes(s, size); !what.isEmpty())
        return {Kind::Foreign, {}, what};
    const ProcessIdentity owner = headerOwner(s->header);
    return {owner.isAlive() ? Kind::Live : Kind::Stale, owner, {}};
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

QString SharedSegment::nativeKeyFor(const QString& name) {
    privateDirectory(nullptr); // its failure is reported by whoever uses the key
    return keyFile(QFile::decodeName(directoryPath()), name);
}

SharedSegment::SharedSegment(const QString& name)
    : name_(name) {
    // A native key, not setKey(): Qt derives no path from TMPDIR and makes no
    // QSystemSemaphore (one leaked, with its /tmp/qipc_systemsem_* file, per SIGKILLed
    // owner).
    memory_.setNativeKey(nativeKeyFor(name));
}

SharedSegment::~SharedSegment() {
    if (!memory_.isAttached()) return;
    // The last attacher's detach() removes the segment and its key file, and it looks the
    // segment up by key again to know: exclusive, so that it never runs between another
    // process's create() and attach() of a new segment under the same key (nobody attached
    // to it yet), as a process of a dead run leaving its old segment could.
    const QString dir = privateDirectory(nullptr);
    std::optional<NameLock> lock;
    if (!dir.isEmpty()) lock.emplace(lockFile(dir, name_), LOCK_EX, nullptr);
    memory_.detach();
}

bool SharedSegment::ownerAlive() const {
    const ProcessIdentity now = headerOwner(segment_->header);
    return now.pid == owner_.pid && now.start_ticks == owner_.start_ticks && owner_.isAlive();
}

std::unique_ptr<SharedSegment> SharedSegment::createOwned(const QString& name, QString* error) {
    const QString dir = privateDirectory(error);
    if (dir.isEmpty()) return nullptr;
    std::unique_ptr<SharedSegment> seg(new SharedSegment(name));
    QSharedMemory& m = seg->memory_;
    // Held from create() to the end of initialize(): no attacher sees a half-made header.
    NameLock lock(lockFile(dir, name), LOCK_EX, error);
    if (!lock.held()) return nullptr;
    // Attach first, create after: in Qt 6.4 a create() with a native key leaves an error on
    // the object's (keyless) semaphore that fails every later attach() or create() on it.
    if (m.attach()) {
        const Verdict v = judge(m);
        if (v.kind == Kind::Live) {
            *error = QStringLiteral("a throttle named '%1' is already running (owner pid %2)")
                         .arg(name)
                         .arg(v.owner.pid);
            m.detach();
            return nullptr;
        }
        if (v.kind == Kind::Foreign) {
            *error = QStringLiteral("refusing the existing segment of '%1': %2; if no program "
                                    "uses it, remove it with: throttlectl remove %1")
                         .arg(name, v.what);
            m.detach();
            return nullptr;
        }
        // Its owner died. Its helpers and workers may be attached still, writing until they
        // notice: reinitialising it in place would mix their figures into the new run. It is
        // marked for removal instead, which frees its key at once; they keep their mapping,
        // see the dead owner in it and leave, and the kernel frees it after the last of them.
        const int id = segmentId(m.nativeKey());
        if (id == -1 || shmctl(id, IPC_RMID, nullptr) != 0) {
            *error = systemError("remove the dead run's segment of", name);
            m.detach();
            return nullptr;
        }
        m.detach();
    } else if (m.error() != QSharedMemory::NotFound) {
        *error = QStringLiteral("cannot attach to the existing segment of '%1': %2")
                     .arg(name, m.errorString());
        return nullptr;
    }
    if (!m.create(int(shm::kSegmentSize))) {
        *error =
            QStringLiteral("cannot create shared memory for '%1': %2").arg(name, m.errorString());
        return nullptr;
    }
    seg->segment_ = static_cast<shm::Segment*>(m.data());
    initialize(seg->segment_);
    seg->owner_ = ProcessIdentity::self();
    return seg;
}

std::unique_ptr<SharedSegment> SharedSegment::attach(const QString& name, QString* error) {
    const QString dir = privateDirectory(error);
    if (dir.isEmpty()) return nullptr;
    std::unique_ptr<SharedSegment> seg(new SharedSegment(name));
    QSharedMemory& m = seg->memory_;
    const QString not_running = QStringLiteral("no throttle named '%1' is running").arg(name);
    // No key file, no segment: and no lock file is left behind for a name never used.
    if (!QFile::exists(m.nativeKey())) {
        *error = not_running;
        return nullptr;
    }
    NameLock lock(lockFile(dir, name), LOCK_SH, error);
    if (!lock.held()) return nullptr;
    // A refused segment is detached by ~SharedSegment, under the exclusive lock: this
    // shared one must be released first.
    const auto refuse = [&](const QString& why) {
        *error = why;
        lock.unlock();
        return nullptr;
    };
    if (!m.attach())
        return refuse(m.error() == QSharedMemory::NotFound
                          ? not_running
                          : QStringLiteral("cannot attach to '%1': %2").arg(name, m.errorString()));
    const Verdict v = judge(m);
    if (v.kind == Kind::Foreign)
        return refuse(QStringLiteral("refusing the segment of '%1': %2").arg(name, v.what));
    if (v.kind == Kind::Stale)
        return refuse(
            v.owner.pid > 0
                ? QStringLiteral("%1 (its owner, pid %2, is gone)")
                      .arg(not_running)
                      .arg(v.owner.pid)
                : QStringLiteral("%1 (its owner is gone: it died creating it)").arg(not_running));
    auto* s = static_cast<shm::Segment*>(m.data());
    // Only a live creator that is not done yet, which its lock rules out.
    if (s->header.state.load(std::memory_order_acquire) != std::uint32_t(shm::SegmentState::Ready))
        return refuse(QStringLiteral("the throttle '%1' is still starting").arg(name));
    seg->segment_ = s;
    seg->owner_ = v.owner;
    return seg;
}

bool SharedSegment::exists(const QString& name) {
    return segmentId(nativeKeyFor(name)) != -1;
}

bool SharedSegment::removeAbandoned(const QString& name, QString* error) {
    const QString dir = privateDirectory(error);
    if (dir.isEmpty()) return false;
    const QString key_file = keyFile(dir, name);
    const QString none = QStringLiteral("no segment named '%1' exists").arg(name);
    if (!QFile::exists(key_file)) {
        *error = none;
        return false;
    }
    NameLock lock(lockFile(dir, name), LOCK_EX, error);
    if (!lock.held()) return false;
    QSharedMemory m;
    m.setNativeKey(key_file);
    if (!m.attach()) {
        if (m.error() == QSharedMemory::NotFound) {
            QFile::remove(key_file); // a key file left without its segment: tidy it too
            *error = none;
        } else {
            *error = QStringLiteral("cannot attach to '%1': %2").arg(name, m.errorString());
        }
        return false;
    }
    const Verdict v = judge(m);
    if (v.kind == Kind::Live) {
        *error = QStringLiteral("'%1' is in use by its owner, pid %2; stop it first")
                     .arg(name)
                     .arg(v.owner.pid);
        m.detach();
        return false;
    }
    // Marked for removal, not left to the last detach: the dead run's helpers and workers
    // may be attached for a moment yet. They keep their mapping until they leave.
    const int id = segmentId(key_file);
    if (id == -1 || shmctl(id, IPC_RMID, nullptr) != 0) {
        *error = systemError("remove", name);
        m.detach();
        return false;
    }
    m.detach();
    QFile::remove(key_file);
    return true;
}

} // namespace throttlelab
