// SPDX-License-Identifier: GPL-2.0-only
/*
 * The emulated text segment's text_poke_smp_batch(): several writes under one
 * stop_machine, each checked and recorded as a text_poke_smp() write is.
 */
#include "harness.h"
#include "arch_x86_emu/text.h"
#include "sim/footprint.h"
#include "sim/hotplug.h"
#include "sim/mutex.h"
#include "sim/stop_machine.h"

#define KTEXT 0xffffffff81000000ull
#define N_POKES 3

typedef struct {
	EmuText *t;
	SimMutex text_mutex;
	bool lock, hotplug;
	bool one_by_one;	/* text_poke_smp() per write instead of one batch */
	size_t n;		/* how many of pokes[] to write */
	EmuTextPoke pokes[N_POKES];
	uint8_t bytes[N_POKES][5];
	/* Filled by the write hook and the task. */
	unsigned n_writes;
	EmuTextWrite writes[N_POKES];
	uint64_t stops_seen[N_POKES];	/* stop_machine count at each write */
	bool stopped[N_POKES];		/* was the machine stopped during the write */
	bool returned;
} Fx;

static void record_write(EmuText *t, const EmuTextWrite *w, void *user)
{
	Fx *fx = user;

	(void)t;
	assert_true(fx->n_writes < N_POKES);
	fx->stopped[fx->n_writes] = sim_machine_stopped(emu_text_ctx(t));
	fx->stops_seen[fx->n_writes] = sim_stop_machine_count(emu_text_ctx(t));
	fx->writes[fx->n_writes++] = *w;
}

static void body(SimCtx *ctx, void *arg)
{
	Fx *fx = arg;

	if (fx->hotplug)
		sim_get_online_cpus(ctx);
	if (fx->lock)
		sim_mutex_lock(ctx, &fx->text_mutex);
	if (fx->one_by_one)
		for (size_t i = 0; i < fx->n; i++)
			emu_text_poke_smp(fx->t, fx->pokes[i].addr, fx->pokes[i].bytes,
					  fx->pokes[i].len);
	else
		assert_int_equal(emu_text_poke_smp_batch(fx->t, fx->pokes, fx->n), 0);
	fx->returned = true;
	if (fx->lock)
		sim_mutex_unlock(ctx, &fx->text_mutex);
	if (fx->hotplug)
		sim_put_online_cpus(ctx);
}

static void setup(SimCtx *ctx, void *data)
{
	Fx *fx = data;

	emu_text_free(fx->t);
	fx->t = emu_text_new(ctx, emu_default_image());
	sim_mutex_init(ctx, &fx->text_mutex, "text_mutex");
	emu_text_set_text_mutex(fx->t, &fx->text_mutex);
	emu_text_set_write_hook(fx->t, record_write, fx);
	fx->n_writes = 0;
	fx->returned = false;
	sim_task_create(ctx, "optimizer", 0, body, fx, 0);
}

/*
 * Three five-byte writes at three places of kernel text: two jumps (what
 * arch_optimize_kprobes() batches) and an int3 plus four original bytes (what
 * arch_unoptimize_kprobes() batches).
 */
static void fx_init(Fx *fx, bool lock, bool hotplug)
{
	static const uint64_t at[N_POKES] = { KTEXT + 0x10, KTEXT + 0x40, KTEXT + 0x80 };

	memset(fx, 0, sizeof(*fx));
	fx->lock = lock;
	fx->hotplug = hotplug;
	fx->n = N_POKES;
	for (unsigned i = 0; i < N_POKES; i++) {
		uint8_t *b = fx->bytes[i];

		b[0] = 0xe9;
		b[1] = (uint8_t)(0x10 * (i + 1));
		b[2] = b[3] = b[4] = 0;
		fx->pokes[i] = (EmuTextPoke){ .addr = at[i], .bytes = b, .len = 5 };
	}
}

static void fx_done(Fx *fx)
{
	emu_text_free(fx->t);
	fx->t = NULL;
}

static const SimViolation *only_violation(SimCtx *ctx)
{
	assert_int_equal(sim_violation_count(ctx), 1);
	return sim_violation_get(ctx, 0);
}

/* The whole batch is one stop_machine; the same writes one by one are one each. */
static void test_batch_is_one_stop_machine(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Fx fx;
	uint8_t b[5];

	(void)state;
	fx_init(&fx, true, true);
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_DONE);
	assert_true(fx.returned);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_int_equal(fx.n_writes, N_POKES);
	for (unsigned i = 0; i < N_POKES; i++) {
		/* In order, each its own write of its own bytes, all inside the one stop. */
		assert_int_equal(fx.writes[i].addr, fx.pokes[i].addr);
		assert_int_equal(fx.writes[i].len, 5);
		assert_int_equal(fx.writes[i].kind, EMU_WRITE_POKE_SMP);
		assert_true(fx.stopped[i]);
		assert_int_equal(fx.stops_seen[i], 1);
		assert_true(emu_text_read(fx.t, fx.pokes[i].addr, b, 5));
		assert_memory_equal(b, fx.bytes[i], 5);
		/* Each jump is a write in effect: its interior is no instruction start. */
		assert_true(emu_text_in_write(fx.t, fx.pokes[i].addr + 2, NULL, NULL));
	}
	fx_done(&fx);

	fx_init(&fx, true, true);
	fx.one_by_one = true;
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(sim_stop_machine_count(ctx), N_POKES);
	assert_int_equal(fx.n_writes, N_POKES);
	for (unsigned i = 0; i < N_POKES; i++)
		assert_int_equal(fx.stops_seen[i], i + 1);
	fx_done(&fx);

	/* An empty batch still stops the machine once and writes nothing. */
	fx_init(&fx, true, true);
	fx.n = 0;
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), 0);
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_int_equal(fx.n_writes, 0);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* text_poke_smp()'s checks, once per write of the batch; the writes still happen. */
static void test_batch_checks_each_write(void **state)
{
	SimCtx *ctx = harness_ctx(2, false);
	Fx fx;
	uint8_t b[5];

	(void)state;
	fx_init(&fx, true, false);
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), N_POKES);
	for (unsigned i = 0; i < N_POKES; i++) {
		const SimViolation *v = sim_violation_get(ctx, i);

		assert_string_equal(v->id, "text-poke-smp-no-hotplug");
		assert_non_null(strstr(v->message, "text_poke_smp_batch"));
	}
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_int_equal(fx.n_writes, N_POKES);
	assert_true(emu_text_read(fx.t, fx.pokes[2].addr, b, 5));
	assert_memory_equal(b, fx.bytes[2], 5);
	fx_done(&fx);

	fx_init(&fx, false, true);
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_DONE);
	assert_int_equal(sim_violation_count(ctx), N_POKES);
	for (unsigned i = 0; i < N_POKES; i++)
		assert_string_equal(sim_violation_get(ctx, i)->id, "text-poke-unlocked");
	assert_int_equal(sim_stop_machine_count(ctx), 1);
	assert_int_equal(fx.n_writes, N_POKES);
	fx_done(&fx);

	/* One write of the batch into text that is not loaded: the kernel's BUG_ON, fatal,
	 * after the writes before it in the batch. */
	fx_init(&fx, true, true);
	fx.pokes[1].addr = 0xffffffffa0000000ull;	/* mod_a.text, not loaded */
	assert_int_equal(harness_run_first(ctx, setup, &fx), SIM_END_VIOLATION);
	assert_string_equal(only_violation(ctx)->id, "text-poke-freed");
	assert_non_null(strstr(only_violation(ctx)->message, "text_poke_smp_batch"));
	assert_false(fx.returned);
	assert_int_equal(fx.n_writes, 1);
	assert_int_equal(fx.writes[0].addr, fx.pokes[0].addr);
	fx_done(&fx);
	sim_ctx_free(ctx);
}

/* The decision points of a batch are one text_poke_smp()'s: the global stop_machine
 * steps around the writes (at least the two around them), whatever the number of writes. */
typedef struct {
	SimStrategy base;
	unsigned stops, pokes, global_stops;
} CountStrategy;

static size_t count_choose(SimStrategy *s, SimCtx *ctx, const SimOption *opts, size_t n)
{
	CountStrategy *c = (CountStrategy *)s;

	(void)ctx;
	for (size_t i = 0; i < n; i++) {
		if (opts[i].reason == SIM_Y_STOP_MACHINE) {
			c->stops++;
			c->global_stops += opts[i].fp->n == 1 &&
					   opts[i].fp->acc[0].cls == SIM_RES_GLOBAL;
		}
		c->pokes += opts[i].reason == SIM_Y_TEXT_POKE;
	}
	return 0;
}

static void count_destroy(SimStrategy *s)
{
	(void)s;
}

static const SimStrategyOps count_ops = {
	.name = "count", .choose = count_choose, .destroy = count_destroy,
};

static void test_batch_decision_points(void **state)
{
	SimCtx *ctx = harness_ctx(1, false);
	CountStrategy one = { .base = { &count_ops } }, batch = { .base = { &count_ops } };
	Fx fx;

	(void)state;
	fx_init(&fx, true, true);
	fx.n = 1;
	fx.one_by_one = true;
	assert_int_equal(harness_run(ctx, &one.base, setup, &fx), SIM_END_DONE);
	fx_done(&fx);
	fx_init(&fx, true, true);
	assert_int_equal(harness_run(ctx, &batch.base, setup, &fx), SIM_END_DONE);
	fx_done(&fx);
	assert_true(one.stops >= 2);
	assert_int_equal(batch.stops, one.stops);
	assert_int_equal(batch.global_stops, batch.stops);
	assert_int_equal(batch.pokes, 0);
	sim_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_batch_is_one_stop_machine),
		cmocka_unit_test(test_batch_checks_each_write),
		cmocka_unit_test(test_batch_decision_points),
	};

	return harness_main(tests, G_N_ELEMENTS(tests), "text_batch");
}
