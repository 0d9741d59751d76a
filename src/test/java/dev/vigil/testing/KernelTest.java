package dev.vigil.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class that loads real BPF programs. Without privileges it is skipped with a
 * loud reason, unless CI=true, where a skip is a failure. After each test it checks that
 * no BPF program or link of ours that the test created is still in the kernel.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("kernel")
@ExtendWith(KernelExtension.class)
public @interface KernelTest {}
