package shardcore

import (
	"fmt"
	"net"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// poller is one shard's epoll set plus the eventfd other shards write to wake it.
type poller struct {
	epfd   int
	wakefd int
	events []unix.EpollEvent
	// rawBlock: block in a raw system call (see wait). Only when the
	// shards leave the runtime a P of its own.
	rawBlock bool
}

func newPoller() (*poller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create: %w", err)
	}
	wfd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	p := &poller{epfd: epfd, wakefd: wfd, events: make([]unix.EpollEvent, 256)}
	// Edge-triggered: each write to an eventfd wakes its waiters, so each
	// raises a new event, and the counter need not be read back (one
	// system call less per wake-up; it would take 2^64 wake-ups to fill).
	if err := p.add(wfd, unix.EPOLLIN|unix.EPOLLET); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

func (p *poller) add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl add %d: %w", fd, err)
	}
	return nil
}

func (p *poller) mod(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (p *poller) del(fd int) {
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

// wait blocks for at most msec milliseconds (-1: forever). Under load
// events are usually ready, so it first polls without blocking, through a
// raw system call the Go scheduler does not see. An idle shard then blocks,
// by default also in a raw call: the runtime still counts its P as running,
// so none is handed off, and sysmon, which polls every few microseconds
// while a P sits in a system call, keeps its slow rhythm (it otherwise costs
// a context switch every tenth request or so). A signal (the runtime's
// preemption request) ends the wait early with no events. That is only
// right while other goroutines have Ps of their own; otherwise the wait is
// a system call the scheduler sees, and the P goes to whoever needs it.
func (p *poller) wait(msec int) ([]unix.EpollEvent, error) {
	timeout := 0
	if p.rawBlock {
		timeout = msec
	}
	r, _, errno := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(p.epfd), uintptr(unsafe.Pointer(&p.events[0])), uintptr(len(p.events)), uintptr(timeout), 0, 0)
	switch {
	case errno == unix.EINTR:
		return nil, nil
	case errno != 0:
		return nil, errno
	case r > 0 || timeout == msec:
		return p.events[:r], nil
	}
	for {
		n, err := unix.EpollWait(p.epfd, p.events, msec)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		return p.events[:n], nil
	}
}

var wakeOne = []byte{1, 0, 0, 0, 0, 0, 0, 0}

func (p *poller) wake() { _, _ = sysWrite(p.wakefd, wakeOne) }

func (p *poller) close() {
	unix.Close(p.wakefd)
	unix.Close(p.epfd)
}

// listenReusePort opens a nonblocking TCP listener with SO_REUSEPORT, so every
// shard can own one and the kernel spreads incoming connections among them.
func listenReusePort(host string, port int) (int, error) {
	ip := net.ParseIP(host)
	if ip == nil {
		ips, err := net.LookupIP(host)
		if err != nil || len(ips) == 0 {
			return -1, fmt.Errorf("bind %s: cannot resolve address", host)
		}
		ip = ips[0]
	}
	family := unix.AF_INET6
	if ip.To4() != nil {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("setsockopt SO_REUSEPORT: %w", err)
	}
	var sa unix.Sockaddr
	if family == unix.AF_INET {
		a := &unix.SockaddrInet4{Port: port}
		copy(a.Addr[:], ip.To4())
		sa = a
	} else {
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
		a := &unix.SockaddrInet6{Port: port}
		copy(a.Addr[:], ip.To16())
		sa = a
	}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("bind %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	if err := unix.Listen(fd, 511); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("listen: %w", err)
	}
	return fd, nil
}

func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrUnix:
		return a.Name
	}
	return "?"
}

func boundPort(fd int) int {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0
	}
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return a.Port
	case *unix.SockaddrInet6:
		return a.Port
	}
	return 0
}

func closeFD(fd int) { _ = unix.Close(fd) }
