package dev.fcfs.producer.admin;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/** The admin's Lua scripts ({@code scripts/admin/}), one per atomic operation; each file's header lists KEYS/ARGV. */
final class AdminScripts {

    /** {@code requeue_dead_letter.lua}: one entry, by content hash, back to the served end of its queue. */
    static final RedisScript<String> REQUEUE = RedisScript.of(script("requeue_dead_letter"), String.class);

    /** {@code requeue_all_dead_letters.lua}: every entry of a shard, oldest served first. */
    static final RedisScript<Long> REQUEUE_ALL = RedisScript.of(script("requeue_all_dead_letters"), Long.class);

    /** {@code discard_dead_letter.lua}: drop one entry, by content hash, and its pending entry. */
    static final RedisScript<String> DISCARD = RedisScript.of(script("discard_dead_letter"), String.class);

    private AdminScripts() {
    }

    private static ClassPathResource script(String name) {
        return new ClassPathResource("scripts/admin/" + name + ".lua", AdminScripts.class.getClassLoader());
    }

}
