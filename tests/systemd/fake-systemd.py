#!/usr/bin/python3
"""A stand-in for systemd's manager on a private bus, for the systemd
driver's tests on a host that is not booted with systemd (this one).

It starts a dbus-daemon of its own in DIR, owns org.freedesktop.systemd1
there and answers what hull asks as systemd does: StartTransientUnit makes
the scope's cgroup (from the Slice property, in the v2 tree and the v1
hierarchies systemd manages), moves the PIDs in and sends JobRemoved;
SetUnitProperties records; StopUnit kills the processes, removes the
cgroups it made and sends JobRemoved; ResetFailedUnit, GetUnit, and
org.freedesktop.DBus.Properties.Get on the unit objects (busctl
get-property reads them back); as systemd, a scope whose processes are
all gone is removed at once (cgroup.events of its v2 cgroup polls
POLLPRI when "populated" changes; every 20 ms where there is none). Description 'fail' makes the
start job fail. Every call is appended to DIR/calls.log (one JSON a line).

Usage: fake-systemd.py DIR   (prints the bus address, then serves until
SIGTERM; the cgroups it made are removed on exit).
"""
import json
import os
import signal
import subprocess
import sys
import time

import dbus
import dbus.mainloop.glib
import dbus.service
from gi.repository import GLib

OWNED = {'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'pids', 'name=systemd'}
MANAGER = 'org.freedesktop.systemd1.Manager'
UNIT_PATH = '/org/freedesktop/systemd1/unit'


def hierarchies():
    """Mount points of cgroup2 and the v1 hierarchies systemd manages."""
    out = []
    for line in open('/proc/self/mountinfo'):
        pre, post = line.split(' - ', 1)
        mp = pre.split()[4]
        fstype, _src, opts = post.split()[:3]
        if fstype == 'cgroup2' or (fstype == 'cgroup' and OWNED & set(opts.split(','))):
            out.append(mp)
    return out


def slice_path(s):
    base = s[:-len('.slice')]
    if base == '-':
        return ''
    parts, path = base.split('-'), ''
    for i in range(len(parts)):
        path += '/' + '-'.join(parts[:i + 1]) + '.slice'
    return path


def escape(name):
    return ''.join(c if c.isalnum() else '_%02x' % ord(c) for c in name)


class Failed(dbus.DBusException):
    def __init__(self, name, msg):
        super().__init__(msg, name=name)


class Manager(dbus.service.Object):
    def __init__(self, bus, logdir):
        super().__init__(bus, '/org/freedesktop/systemd1')
        self.units, self.made, self.job = {}, [], 0
        self.log = open(os.path.join(logdir, 'calls.log'), 'a', buffering=1)

    def record(self, call, name, props=None):
        entry = {'call': call, 'unit': name}
        if props is not None:
            entry['props'] = {str(k): repr(v) for k, v in props.items()}
        self.log.write(json.dumps(entry) + '\n')

    def new_job(self, name, result):
        self.job += 1
        path = '/org/freedesktop/systemd1/job/%d' % self.job
        jid = self.job
        GLib.idle_add(lambda: self.JobRemoved(dbus.UInt32(jid), dbus.ObjectPath(path), name, result) and False)
        return dbus.ObjectPath(path)

    def dirs(self, name):
        return [mp + self.units[name]['ControlGroup'] for mp in hierarchies()]

    def mkdirs(self, d):
        parts = d.split('/')
        for i in range(4, len(parts) + 1):
            p = '/'.join(parts[:i])
            if not os.path.isdir(p):
                os.mkdir(p)
                self.made.append(p)

    @dbus.service.signal(MANAGER, signature='uoss')
    def JobRemoved(self, jid, job, unit, result):
        pass

    @dbus.service.method(MANAGER, in_signature='ssa(sv)a(sa(sv))', out_signature='o')
    def StartTransientUnit(self, name, mode, props, aux):
        p = {str(k): v for k, v in props}
        self.record('StartTransientUnit', name, p)
        if name in self.units:
            raise Failed('org.freedesktop.systemd1.UnitExists', 'Unit %s already exists.' % name)
        if p.get('Description') == 'fail':
            return self.new_job(name, 'failed')
        p['ControlGroup'] = dbus.String(slice_path(str(p['Slice'])) + '/' + name)
        p['ActiveState'] = dbus.String('active')
        p['Id'] = dbus.String(name)
        self.units[name] = p
        for d in self.dirs(name):
            self.mkdirs(d)
            for pid in p.get('PIDs', []):
                with open(d + '/cgroup.procs', 'w') as f:
                    f.write(str(int(pid)))
            if os.path.exists(d + '/cgroup.events'):
                self.watch(name, d + '/cgroup.events')
        return self.new_job(name, 'done')

    def watch(self, name, events):
        fd = os.open(events, os.O_RDONLY)

        def changed(_fd, _cond):
            try:
                empty = 'populated 0' in os.pread(fd, 4096, 0).decode()
            except OSError:
                empty = True
            if empty and name in self.units and not self.pids(name):
                self.remove(name)
            if name not in self.units:
                os.close(fd)
                return False
            return True
        GLib.io_add_watch(fd, GLib.PRIORITY_DEFAULT, GLib.IO_PRI | GLib.IO_ERR, changed)

    @dbus.service.method(MANAGER, in_signature='sba(sv)', out_signature='')
    def SetUnitProperties(self, name, runtime, props):
        p = {str(k): v for k, v in props}
        self.record('SetUnitProperties', name, p)
        if name not in self.units:
            raise Failed('org.freedesktop.systemd1.NoSuchUnit', 'Unit %s not loaded.' % name)
        self.units[name].update(p)

    def pids(self, name):
        found = set()
        for d in self.dirs(name):
            for root, _sub, _files in os.walk(d):
                try:
                    found |= set(open(root + '/cgroup.procs').read().split())
                except OSError:
                    pass
        return found

    def reap(self):
        """Scopes whose processes are all gone go, as systemd's do."""
        for name in [n for n in self.units if not self.pids(n)]:
            self.remove(name)
        return True

    def remove(self, name):
        dirs = self.dirs(name)
        for _ in range(500):
            pids = self.pids(name)
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.01)
        for d in dirs:
            for root, subs, _files in sorted(os.walk(d), key=lambda w: -len(w[0])):
                os.rmdir(root)
            if d in self.made:
                self.made.remove(d)
        del self.units[name]
        self.trim()

    def trim(self):
        """The slices it made, once nothing is in them."""
        for p in sorted(self.made, key=len, reverse=True):
            try:
                os.rmdir(p)
                self.made.remove(p)
            except OSError:
                pass

    @dbus.service.method(MANAGER, in_signature='ss', out_signature='o')
    def StopUnit(self, name, mode):
        self.record('StopUnit', name)
        if name not in self.units:
            raise Failed('org.freedesktop.systemd1.NoSuchUnit', 'Unit %s not loaded.' % name)
        self.remove(name)
        return self.new_job(name, 'done')

    @dbus.service.method(MANAGER, in_signature='s', out_signature='')
    def ResetFailedUnit(self, name):
        self.record('ResetFailedUnit', name)
        if name not in self.units:
            raise Failed('org.freedesktop.systemd1.NoSuchUnit', 'Unit %s not loaded.' % name)

    @dbus.service.method(MANAGER, in_signature='s', out_signature='o')
    def GetUnit(self, name):
        if name not in self.units:
            raise Failed('org.freedesktop.systemd1.NoSuchUnit', 'Unit %s not loaded.' % name)
        return dbus.ObjectPath(UNIT_PATH + '/' + escape(name))


class Units(dbus.service.FallbackObject):
    def __init__(self, bus, manager):
        super().__init__(bus, UNIT_PATH)
        self.manager = manager

    @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='ss', out_signature='v',
                         rel_path_keyword='rel')
    def Get(self, iface, prop, rel):
        for name, p in self.manager.units.items():
            if '/' + escape(name) == rel and prop in p:
                return p[prop]
        raise Failed('org.freedesktop.DBus.Error.UnknownProperty', 'no property %s' % prop)


def main():
    d = sys.argv[1]
    conf = os.path.join(d, 'bus.conf')
    with open(conf, 'w') as f:
        f.write('<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
                ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
                '<busconfig><type>custom</type><listen>unix:path=%s/bus</listen><auth>EXTERNAL</auth>'
                '<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*"/>'
                '<allow receive_sender="*"/></policy></busconfig>\n' % d)
    daemon = subprocess.Popen(['dbus-daemon', '--config-file=' + conf, '--nofork', '--nopidfile',
                               '--print-address=1'], stdout=subprocess.PIPE, stderr=open(os.path.join(d, 'dbus.log'), 'w'),
                              text=True)
    address = daemon.stdout.readline().strip()
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    bus = dbus.bus.BusConnection(address)
    name = dbus.service.BusName('org.freedesktop.systemd1', bus)
    manager = Manager(bus, d)
    Units(bus, manager)
    GLib.timeout_add(20, manager.reap)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    print(address, flush=True)
    try:
        loop.run()
    finally:
        for unit in list(manager.units):
            manager.remove(unit)
        manager.trim()
        del name
        daemon.terminate()
        daemon.wait()


if __name__ == '__main__':
    main()
