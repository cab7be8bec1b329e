/* The containerd suite's tcase cri (containerd.c): a CRI runtime entry
 * whose options say BinaryName, driven by a small CRI client
 * (python3-grpcio; Debian has no crictl), as kubelet would. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "containerd.h"

const char ctd_cri_client[] =
	"# A CRI client for the containerd suite, as kubelet would drive it: a pod\n"
	"# (host network, so no CNI) on a runtime handler (runc's shim with\n"
	"# BinaryName, or hull's shim); one container in it prints a line, has its\n"
	"# AppArmor label read (its init's from here, an exec'd process's by\n"
	"# ExecSync) and its cgroup's name, gets a memory limit\n"
	"# (UpdateContainerResources), is exec'd into (ExecSync) and exits. Protobuf\n"
	"# by hand, so only python3-grpcio is needed.\n"
	"# argv: SOCKET CTR ROOTFS WORKDIR CGROUP_PARENT HANDLER\n"
	"import grpc, hashlib, io, json, os, subprocess, sys, tarfile, time\n"
	"\n"
	"sock, ctr, rootfs, work, cgparent, handler = sys.argv[1:7]\n"
	"IMAGE = \"hull.test/busybox:1\"\n"
	"chan = grpc.insecure_channel(\"unix://\" + sock)\n"
	"\n"
	"\n"
	"def varint(n):\n"
	"    n &= (1 << 64) - 1\n"
	"    out = b\"\"\n"
	"    while n > 0x7F:\n"
	"        out += bytes([n & 0x7F | 0x80])\n"
	"        n >>= 7\n"
	"    return out + bytes([n])\n"
	"\n"
	"\n"
	"def fld(num, val):\n"
	"    if isinstance(val, int):\n"
	"        return varint(num << 3) + varint(val)\n"
	"    if isinstance(val, str):\n"
	"        val = val.encode()\n"
	"    return varint(num << 3 | 2) + varint(len(val)) + val\n"
	"\n"
	"\n"
	"def readvar(buf, i):\n"
	"    n = s = 0\n"
	"    while True:\n"
	"        b = buf[i]\n"
	"        i += 1\n"
	"        n |= (b & 0x7F) << s\n"
	"        s += 7\n"
	"        if not b & 0x80:\n"
	"            return n, i\n"
	"\n"
	"\n"
	"def parse(buf):\n"
	"    out, i = {}, 0\n"
	"    while i < len(buf):\n"
	"        key, i = readvar(buf, i)\n"
	"        if key & 7 == 0:\n"
	"            v, i = readvar(buf, i)\n"
	"        elif key & 7 == 2:\n"
	"            n, i = readvar(buf, i)\n"
	"            v, i = buf[i:i + n], i + n\n"
	"        else:\n"
	"            i += 8 if key & 7 == 1 else 4\n"
	"            continue\n"
	"        out.setdefault(key >> 3, []).append(v)\n"
	"    return out\n"
	"\n"
	"\n"
	"def call(method, req, timeout=20):\n"
	"    return parse(chan.unary_unary(\"/runtime.v1.RuntimeService/\" + method)(req, timeout=timeout))\n"
	"\n"
	"\n"
	"def build_image(path):\n"
	"    \"\"\"One uncompressed layer: the busybox part of the rootfs.\"\"\"\n"
	"    layer = io.BytesIO()\n"
	"    with tarfile.open(fileobj=layer, mode=\"w\") as t:\n"
	"        for top in (\"bin\", \"sbin\", \"usr\", \"etc\", \"proc\", \"sys\", \"dev\", \"tmp\", \"root\", \"mnt\", \"var\"):\n"
	"            if os.path.lexists(os.path.join(rootfs, top)):\n"
	"                t.add(os.path.join(rootfs, top), arcname=top,\n"
	"                      filter=lambda ti: None if ti.name == \"usr/bin/iperf3\" else ti)\n"
	"    blobs = {}\n"
	"\n"
	"    def blob(data):\n"
	"        d = \"sha256:\" + hashlib.sha256(data).hexdigest()\n"
	"        blobs[d] = data\n"
	"        return {\"digest\": d, \"size\": len(data)}\n"
	"\n"
	"    lay = blob(layer.getvalue())\n"
	"    cfg = blob(json.dumps({\n"
	"        \"architecture\": \"amd64\", \"os\": \"linux\",\n"
	"        \"config\": {\"Env\": [\"PATH=/usr/sbin:/usr/bin:/sbin:/bin\"], \"Cmd\": [\"/bin/sleep\", \"3600\"]},\n"
	"        \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [lay[\"digest\"]]}}).encode())\n"
	"    man = blob(json.dumps({\n"
	"        \"schemaVersion\": 2, \"mediaType\": \"application/vnd.oci.image.manifest.v1+json\",\n"
	"        \"config\": dict(cfg, mediaType=\"application/vnd.oci.image.config.v1+json\"),\n"
	"        \"layers\": [dict(lay, mediaType=\"application/vnd.oci.image.layer.v1.tar\")]}).encode())\n"
	"    index = json.dumps({\"schemaVersion\": 2, \"manifests\": [dict(\n"
	"        man, mediaType=\"application/vnd.oci.image.manifest.v1+json\",\n"
	"        annotations={\"io.containerd.image.name\": IMAGE,\n"
	"                     \"org.opencontainers.image.ref.name\": \"1\"})]}).encode()\n"
	"    with tarfile.open(path, \"w\") as t:\n"
	"        for name, data in [(\"oci-layout\", b'{\"imageLayoutVersion\":\"1.0.0\"}'),\n"
	"                           (\"index.json\", index)] + \\\n"
	"                [(\"blobs/sha256/\" + d[7:], v) for d, v in blobs.items()]:\n"
	"            ti = tarfile.TarInfo(name)\n"
	"            ti.size = len(data)\n"
	"            t.addfile(ti, io.BytesIO(data))\n"
	"\n"
	"\n"
	"def status(cid):\n"
	"    st = parse(call(\"ContainerStatus\", fld(1, cid))[1][0])\n"
	"    code = st.get(7, [0])[0]\n"
	"    return st.get(3, [0])[0], code - (1 << 32) if code >= 1 << 31 else code\n"
	"\n"
	"\n"
	"def container_pid(cid):\n"
	"    info = call(\"ContainerStatus\", fld(1, cid) + fld(2, 1))\n"
	"    for entry in info.get(2, []):\n"
	"        kv = parse(entry)\n"
	"        if kv.get(1, [b\"\"])[0] == b\"info\":\n"
	"            return json.loads(kv[2][0])[\"pid\"]\n"
	"    raise RuntimeError(\"no pid in the verbose status\")\n"
	"\n"
	"\n"
	"def attr(path):\n"
	"    try:\n"
	"        with open(path) as f:\n"
	"            return f.read().rstrip(\"\\n\\0\")\n"
	"    except OSError:\n"
	"        return \"none\"\n"
	"\n"
	"\n"
	"def cgroup_path(pid):\n"
	"    \"\"\"pid's cgroup: the memory controller's on v1, else the v2 one.\"\"\"\n"
	"    v1 = v2 = None\n"
	"    with open(\"/proc/%d/cgroup\" % pid) as f:\n"
	"        for line in f:\n"
	"            n, ctrls, path = line.rstrip(\"\\n\").split(\":\", 2)\n"
	"            if \"memory\" in ctrls.split(\",\"):\n"
	"                v1 = path\n"
	"            elif n == \"0\":\n"
	"                v2 = path\n"
	"    return v1 if v1 is not None else v2\n"
	"\n"
	"\n"
	"def wait_state(cid, want, secs):\n"
	"    end = time.time() + secs\n"
	"    while True:\n"
	"        state, code = status(cid)\n"
	"        if state in want:\n"
	"            return state, code\n"
	"        if time.time() > end:\n"
	"            raise RuntimeError(\"container state %d after %d s, want %s\" % (state, secs, want))\n"
	"        time.sleep(0.02)\n"
	"\n"
	"\n"
	"def main():\n"
	"    failed = False\n"
	"    tar = os.path.join(work, \"image.tar\")\n"
	"    build_image(tar)\n"
	"    subprocess.run([ctr, \"--address\", sock, \"-n\", \"k8s.io\", \"images\", \"import\", tar],\n"
	"                   check=True, stdout=subprocess.DEVNULL)\n"
	"    logdir = os.path.join(work, \"podlogs-\" + handler)  # one log per pod\n"
	"    os.makedirs(logdir, exist_ok=True)\n"
	"    # Kubernetes leaves the hostname empty for a hostNetwork pod (no UTS namespace).\n"
	"    meta = fld(1, \"hullpod\") + fld(2, \"uid-%d\" % os.getpid()) + fld(3, \"hulltest\")\n"
	"    nsopt = fld(1, 2) + fld(2, 1)     # network NODE, pid CONTAINER, ipc POD\n"
	"    pcfg = fld(1, meta) + fld(3, logdir) + fld(8, fld(1, cgparent) + fld(2, fld(1, nsopt)))\n"
	"    step = \"RunPodSandbox\"\n"
	"    pod = call(step, fld(1, pcfg) + fld(2, handler), 60)[1][0].decode()\n"
	"    cid = None\n"
	"    try:\n"
	"        script = (\"echo cri ok; i=0; while [ ! -e /tmp/done ] && [ $i -lt 1500 ]; do \"\n"
	"                  \"usleep 20000; i=$((i+1)); done; exit 6\")\n"
	"        ccfg = (fld(1, fld(1, \"c1\")) + fld(2, fld(1, IMAGE)) + fld(3, \"/bin/sh\") + fld(3, \"-c\")\n"
	"                + fld(3, script) + fld(11, \"c1.log\"))\n"
	"        step = \"CreateContainer\"\n"
	"        cid = call(step, fld(1, pod) + fld(2, ccfg) + fld(3, pcfg))[1][0].decode()\n"
	"        step = \"StartContainer\"\n"
	"        call(step, fld(1, cid))\n"
	"        step = \"ContainerStatus (running)\"\n"
	"        wait_state(cid, (1, 2), 10)\n"
	"        step = \"ContainerStatus (verbose)\"\n"
	"        pid = container_pid(cid)\n"
	"        print(\"init attr \" + attr(\"/proc/%d/attr/current\" % pid))\n"
	"        step = \"ExecSync (attr)\"\n"
	"        r = call(\"ExecSync\", fld(1, cid) + fld(2, \"cat\") + fld(2, \"/proc/self/attr/current\") + fld(3, 10), 15)\n"
	"        out = r.get(1, [b\"\"])[0].decode().rstrip(\"\\n\\0\")\n"
	"        print(\"exec attr \" + (out if r.get(3, [0])[0] == 0 else \"none\"))\n"
	"        path = cgroup_path(pid)\n"
	"        leaf = os.path.basename(path)\n"
	"        print(\"cgroup \" + (\"scope\" if leaf == \"cri-containerd-%s.scope\" % cid else\n"
	"                             \"dir\" if leaf == cid else \"other \" + path))\n"
	"        # kubelet's resize: the runtime updates the running container's cgroup\n"
	"        step = \"UpdateContainerResources\"\n"
	"        call(step, fld(1, cid) + fld(2, fld(4, 64 << 20)))\n"
	"        step = \"ExecSync (limit)\"\n"
	"        r = call(\"ExecSync\", fld(1, cid) + fld(2, \"/bin/sh\") + fld(2, \"-c\") + fld(2, \"cat \"\n"
	"                 \"/sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes\")\n"
	"                 + fld(3, 10), 15)\n"
	"        print(\"limit \" + r.get(1, [b\"\"])[0].decode().strip())\n"
	"        step = \"ExecSync\"\n"
	"        r = call(step, fld(1, cid) + fld(2, \"/bin/sh\") + fld(2, \"-c\")\n"
	"                 + fld(2, \"echo exec ok; touch /tmp/done; exit 2\") + fld(3, 10), 15)\n"
	"        code = r.get(3, [0])[0]\n"
	"        print(\"exec exit %d\" % (code - (1 << 32) if code >= 1 << 31 else code))\n"
	"        print(\"exec out \" + r.get(1, [b\"\"])[0].decode().rstrip(\"\\n\"))\n"
	"        print(\"exec err \" + r.get(2, [b\"\"])[0].decode().rstrip(\"\\n\"))\n"
	"        sys.stdout.flush()\n"
	"        step = \"ContainerStatus (exited)\"\n"
	"        print(\"exit %d\" % wait_state(cid, (2,), 10)[1])\n"
	"        # containerd copies the output to the log on its own time: the\n"
	"        # exit can be seen before the line is written (bounded wait).\n"
	"        step = \"container log\"\n"
	"        end = time.time() + 10\n"
	"        while True:\n"
	"            try:\n"
	"                with open(os.path.join(logdir, \"c1.log\")) as f:\n"
	"                    lines = f.read().splitlines()\n"
	"            except FileNotFoundError:\n"
	"                lines = []\n"
	"            if lines or time.time() > end:\n"
	"                break\n"
	"            time.sleep(0.02)\n"
	"        for line in lines:\n"
	"            print(\"log \" + line.split(\" \", 3)[-1])\n"
	"    except (grpc.RpcError, RuntimeError, OSError) as e:\n"
	"        print(\"%s: %s\" % (step, e.details() if isinstance(e, grpc.RpcError) else e),\n"
	"              file=sys.stderr)\n"
	"        failed = True\n"
	"    sys.stdout.flush()\n"
	"    for step, req in ([(\"RemoveContainer\", fld(1, cid))] if cid else []) + \\\n"
	"            [(\"StopPodSandbox\", fld(1, pod)), (\"RemovePodSandbox\", fld(1, pod))]:\n"
	"        try:\n"
	"            call(step, req)\n"
	"        except grpc.RpcError as e:\n"
	"            print(\"%s: %s\" % (step, e.details()), file=sys.stderr)\n"
	"            failed = True\n"
	"    return 1 if failed else 0\n"
	"\n"
	"\n"
	"try:\n"
	"    sys.exit(main())\n"
	"except (grpc.RpcError, subprocess.CalledProcessError, OSError) as e:\n"
	"    print(\"error: %s\" % (e.details() if isinstance(e, grpc.RpcError) else e), file=sys.stderr)\n"
	"    sys.exit(1)\n";

/* ---- tcase cri: the runtime entries with options BinaryName ---- */

/* The AppArmor label the CRI gives an unprivileged container: containerd's
 * default profile where it supports AppArmor (enabled, with
 * apparmor_parser to load the profile), else none ("none": the kernel has
 * no attr/current to read). */
static const char *cri_apparmor_label(void)
{
	char *on = ht_read("/sys/module/apparmor/parameters/enabled");
	bool enabled = on && on[0] == 'Y' && access("/sys/kernel/security/apparmor", F_OK) == 0;
	free(on);
	if (!enabled)
		return access("/sys/kernel/security/lsm", F_OK) == 0 ? "unconfined" : "none";
	return access("/sbin/apparmor_parser", X_OK) == 0 ? "cri-containerd.apparmor.d (enforce)" : "unconfined";
}

/* A pod and a container on HANDLER as kubelet makes them: the container's
 * output, AppArmor label, update, exec and exit code through the CRI; its
 * cgroup a directory named after it (cgroupfs) or a systemd scope. */
static void cri_pod(const char *handler, const char *cgparent, const char *cgroup_kind)
{
	struct ht_result r;
	char script[PATH_MAX], path[PATH_MAX], want[512];
	ctd_failures_mark();
	ck_assert_msg(access(PYTHON, X_OK) == 0, "%s missing", PYTHON);
	snprintf(script, sizeof(script), "%s/cri-client.py", ctd.dir);
	char *argv[] = { PYTHON, script, ctd.sock, CTR, ctd.rootfs, ctd.dir, (char *)cgparent, (char *)handler, NULL };
	ctd_spawn(argv, &r, 100);
	const char *label = cri_apparmor_label();
	snprintf(want, sizeof(want),
		 "init attr %s\nexec attr %s\ncgroup %s\nlimit 67108864\n"
		 "exec exit 2\nexec out exec ok\nexec err \nexit 6\nlog cri ok\n",
		 label, label, cgroup_kind);
	ck_assert_msg(r.status == 0 && !strcmp(r.out, want),
		      "CRI client (%s): exit %d\nstdout: %.600s\nwant: %s\nstderr: %.1000s\n"
		      "hull calls that failed:\n%s",
		      handler, r.status, r.out, want, r.err, ctd_hull_failures());
	ht_result_free(&r);
	if (ctd.native) {
		/* hull's shim served the pod: its sandbox and its container, in one shim */
		snprintf(path, sizeof(path), "%s/containerd.log", ctd.dir);
		char *log = ht_read(path);
		size_t creates = 0, shims = 0;
		for (const char *p = log; p && (p = strstr(p, "msg=\"ttrpc: Create\"")); p++)
			creates++;
		for (const char *p = log; p && (p = strstr(p, "msg=\"serving on ")); p++)
			shims++;
		ck_assert_msg(creates == 2 && shims == 1, "want 2 creates in 1 shim, have %zu in %zu", creates,
			      shims);
		free(log);
		return;
	}
	/* hull ran them: the shim found it through BinaryName */
	snprintf(path, sizeof(path), "%s/hull-calls.log", ctd.dir);
	char *calls = ht_read(path);
	ck_assert_msg(calls && strstr(calls, "0 hull --root ") && strstr(calls, " create --bundle "),
		      "no hull create in the wrapper's log: %.1500s", calls ? calls : "(none)");
	free(calls);
}

/* e) The entry with the cgroupfs driver. */
START_TEST(cri_binary_name)
{
	cri_pod("hull", CRI_CGROUP, "dir");
}
END_TEST

/* Whether `hull features` says hull has the systemd cgroup driver. */
static bool hull_has_systemd_driver(void)
{
	struct ht_result r;
	char *argv[] = { (char *)ht_hull_bin(), "features", NULL };
	ctd_spawn(argv, &r, 10);
	json_t *f = r.status == 0 ? json_loads(r.out, 0, NULL) : NULL;
	ht_result_free(&r);
	bool yes = json_is_true(json_object_get(json_object_get(json_object_get(f, "linux"), "cgroup"), "systemd"));
	json_decref(f);
	return yes;
}

/* f) The entry with SystemdCgroup = true, as kubeadm sets up a node: the
 * shim runs hull with --systemd-cgroup and a slice:prefix:name path; the
 * container is in a scope of the pod's slice. */
START_TEST(cri_systemd_cgroup)
{
	if (ctd.native) {
		ht_skip("hull's own shim takes no SystemdCgroup");
		return;
	}
	if (access("/run/systemd/system", F_OK) < 0) {
		ht_skip("systemd is not this host's init");
		return;
	}
	if (!hull_has_systemd_driver()) {
		ht_skip("hull features: no systemd cgroup driver");
		return;
	}
	cri_pod("hull-systemd", CRI_SLICE, "scope");
}
END_TEST

HULL_TESTS(containerd_cri)
{
	tcase_add_test(tc, cri_binary_name);
	tcase_add_test(tc, cri_systemd_cgroup);
}
