/* Frees a struct hull_spec, complete or left half-filled by a failed parse. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

void hull_process_free(struct hull_process *p)
{
	free(p->additional_gids);
	spec_strv_free(&p->args);
	spec_strv_free(&p->env);
	free(p->cwd);
	spec_strv_free(&p->caps.bounding);
	spec_strv_free(&p->caps.effective);
	spec_strv_free(&p->caps.inheritable);
	spec_strv_free(&p->caps.permitted);
	spec_strv_free(&p->caps.ambient);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->io_priority_class);
	free(p->scheduler.policy);
	spec_strv_free(&p->scheduler.flags);
	free(p->exec_cpu_affinity_initial);
	free(p->exec_cpu_affinity_final);
	memset(p, 0, sizeof(*p));
}

void spec_mount_free(struct hull_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	spec_strv_free(&m->options);
	free(m->data);
	free(m->uid_mappings.v);
	free(m->gid_mappings.v);
}

static void free_resources(struct hull_resources *r)
{
	free(r->devices);
	free(r->cpu.cpus);
	free(r->cpu.mems);
	free(r->block_io.weight_device);
	free(r->block_io.throttle_read_bps.v);
	free(r->block_io.throttle_write_bps.v);
	free(r->block_io.throttle_read_iops.v);
	free(r->block_io.throttle_write_iops.v);
	for (size_t i = 0; i < r->n_hugepage_limits; i++)
		free(r->hugepage_limits[i].page_size);
	free(r->hugepage_limits);
	for (size_t i = 0; i < r->network.n_priorities; i++)
		free(r->network.priorities[i].name);
	free(r->network.priorities);
	for (size_t i = 0; i < r->n_rdma; i++)
		free(r->rdma[i].device);
	free(r->rdma);
	spec_kvs_free(&r->unified);
}

void hull_resources_free(struct hull_resources *r)
{
	free_resources(r);
	*r = (struct hull_resources){ 0 };
}

static void free_seccomp(struct hull_seccomp *s)
{
	free(s->default_action);
	spec_strv_free(&s->architectures);
	spec_strv_free(&s->flags);
	free(s->listener_path);
	free(s->listener_metadata);
	for (size_t i = 0; i < s->n_syscalls; i++) {
		struct hull_seccomp_rule *r = &s->syscalls[i];
		spec_strv_free(&r->names);
		free(r->action);
		for (size_t j = 0; j < r->n_args; j++)
			free(r->args[j].op);
		free(r->args);
	}
	free(s->syscalls);
}

static void free_linux(struct hull_linux *l)
{
	for (int i = 0; i < HULL_NS_TYPES; i++)
		free(l->ns[i].path);
	free(l->uid_mappings.v);
	free(l->gid_mappings.v);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	for (size_t i = 0; i < l->n_net_devices; i++) {
		free(l->net_devices[i].host_name);
		free(l->net_devices[i].name);
	}
	free(l->net_devices);
	free(l->cgroups_path);
	free_resources(&l->resources);
	free(l->rootfs_propagation);
	free_seccomp(&l->seccomp);
	spec_kvs_free(&l->sysctl);
	spec_strv_free(&l->masked_paths);
	spec_strv_free(&l->readonly_paths);
	free(l->mount_label);
	free(l->rdt_clos_id);
	free(l->rdt_l3_cache_schema);
	free(l->rdt_mem_bw_schema);
	spec_strv_free(&l->rdt_schemata);
	free(l->personality_domain);
	spec_strv_free(&l->personality_flags);
	free(l->memory_policy_mode);
	free(l->memory_policy_nodes);
	spec_strv_free(&l->memory_policy_flags);
}

void hull_spec_free(struct hull_spec *spec)
{
	if (!spec)
		return;
	free(spec->oci_version);
	free(spec->bundle);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	hull_process_free(&spec->process);
	for (size_t i = 0; i < spec->n_mounts; i++)
		spec_mount_free(&spec->mounts[i]);
	free(spec->mounts);
	for (int k = 0; k < HULL_HOOK_KINDS; k++) {
		for (size_t i = 0; i < spec->hooks[k].n; i++) {
			free(spec->hooks[k].v[i].path);
			spec_strv_free(&spec->hooks[k].v[i].args);
			spec_strv_free(&spec->hooks[k].v[i].env);
		}
		free(spec->hooks[k].v);
	}
	spec_kvs_free(&spec->annotations);
	spec_net_free(&spec->net);
	spec_rootfs_free(&spec->overlay);
	free_linux(&spec->linux_);
	free(spec->raw);
	free(spec);
}
