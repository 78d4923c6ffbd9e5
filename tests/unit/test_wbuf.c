/* The bounds-checked reader and writer: big-endian values, latched errors, sub-readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wire/wbuf.h"

static void test_read_values(void **state)
{
	(void)state;
	const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	struct rbuf r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;
	rbuf_init(&r, b, sizeof b);
	assert_true(rbuf_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_true(rbuf_u16(&r, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(rbuf_u32(&r, &u32));
	assert_int_equal(u32, 0x04050607u);
	assert_true(rbuf_u64(&r, &u64));
	assert_true(u64 == 0x08090a0b0c0d0e0fULL);
	assert_int_equal(rbuf_left(&r), 0);
	assert_false(r.err);
	assert_false(rbuf_u8(&r, &u8));
	assert_true(r.err);
}

static void test_short_read_latches(void **state)
{
	(void)state;
	const uint8_t b[] = {0xaa, 0xbb, 0xcc};
	struct rbuf r;
	uint32_t u32 = 0x12345678;
	uint8_t u8;
	rbuf_init(&r, b, sizeof b);
	assert_false(rbuf_u32(&r, &u32));
	assert_int_equal(u32, 0x12345678); /* untouched */
	assert_true(r.err);
	/* every later call fails even though 3 bytes are there */
	assert_false(rbuf_u8(&r, &u8));
	assert_int_equal(rbuf_left(&r), 0);
}

static void test_bytes_copy_skip_sub(void **state)
{
	(void)state;
	const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8};
	struct rbuf r, sub;
	const uint8_t *p = NULL;
	uint8_t dst[3];
	uint8_t v;
	rbuf_init(&r, b, sizeof b);
	assert_true(rbuf_bytes(&r, 2, &p));
	assert_ptr_equal(p, b);
	assert_true(rbuf_copy(&r, dst, 3));
	assert_memory_equal(dst, b + 2, 3);
	assert_true(rbuf_sub(&r, 2, &sub));
	assert_int_equal(rbuf_left(&sub), 2);
	assert_true(rbuf_u8(&sub, &v));
	assert_int_equal(v, 6);
	assert_true(rbuf_skip(&sub, 1));
	assert_false(rbuf_u8(&sub, &v)); /* the sub-reader ends at its own length */
	assert_false(r.err);
	assert_int_equal(rbuf_left(&r), 1);
	assert_false(rbuf_sub(&r, 2, &sub));
	assert_true(sub.err);
	assert_true(r.err);
	/* zero-length reads succeed on an empty buffer */
	rbuf_init(&r, NULL, 0);
	assert_true(rbuf_skip(&r, 0));
	assert_false(rbuf_skip(&r, 1));
}

static void test_huge_lengths(void **state)
{
	(void)state;
	const uint8_t b[4] = {0};
	struct rbuf r;
	const uint8_t *p;
	rbuf_init(&r, b, sizeof b);
	assert_true(rbuf_skip(&r, 1));
	assert_false(rbuf_bytes(&r, SIZE_MAX, &p)); /* no wrap-around */
	rbuf_init(&r, b, sizeof b);
	assert_false(rbuf_skip(&r, SIZE_MAX - 1));
}

static void test_writer(void **state)
{
	(void)state;
	uint8_t buf[16];
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	assert_true(wbuf_u8(&w, 0x01));
	assert_true(wbuf_u16(&w, 0x0203));
	assert_true(wbuf_u32(&w, 0x04050607));
	assert_true(wbuf_u64(&w, 0x08090a0b0c0d0e0fULL));
	assert_int_equal(w.len, 15);
	const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
	assert_memory_equal(buf, want, sizeof want);
	assert_false(wbuf_u16(&w, 0xffff)); /* one byte left: nothing is written */
	assert_true(w.err);
	assert_int_equal(w.len, 15);
	assert_false(wbuf_u8(&w, 0)); /* latched */
}

static void test_writer_patch(void **state)
{
	(void)state;
	uint8_t buf[8];
	struct wbuf w;
	wbuf_init(&w, buf, sizeof buf);
	assert_true(wbuf_zero(&w, 6));
	assert_true(wbuf_put_u16_at(&w, 0, 0xbeef));
	assert_true(wbuf_put_u32_at(&w, 2, 0xdeadc0de));
	assert_true(wbuf_put_u8_at(&w, 5, 0x42));
	const uint8_t want[] = {0xbe, 0xef, 0xde, 0xad, 0xc0, 0x42};
	assert_memory_equal(buf, want, 6);
	assert_false(wbuf_put_u32_at(&w, 4, 1)); /* beyond what was written */
	assert_true(w.err);
	wbuf_init(&w, buf, sizeof buf);
	assert_true(wbuf_bytes(&w, "abcdefgh", 8));
	assert_false(wbuf_bytes(&w, "x", 1));
	wbuf_init(&w, buf, sizeof buf);
	assert_false(wbuf_put_u8_at(&w, 0, 1)); /* nothing written yet */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_values),   cmocka_unit_test(test_short_read_latches),
		cmocka_unit_test(test_bytes_copy_skip_sub), cmocka_unit_test(test_huge_lengths),
		cmocka_unit_test(test_writer),        cmocka_unit_test(test_writer_patch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
