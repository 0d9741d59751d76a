package dev.vigil.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CgroupsTest {
    static final String ID = "4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011";

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            /system.slice/nginx.service                                               | nginx.service      | ''
            /user.slice/user-1000.slice/session-3.scope                              | session-3.scope    | ''
            /system.slice/docker-4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011.scope | docker-4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011.scope | 4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011
            /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011.scope | cri-containerd-4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011.scope | 4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011
            /docker/4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011  | ''                 | 4f1c2a7d9e8b3c6a5f4e3d2c1b0a99887766554433221100ffeeddccbbaa0011
            /                                                                        | ''                 | ''
            /system.slice                                                            | ''                 | ''
            """)
    void unitAndContainerFromAPath(String path, String unit, String container) {
        assertThat(Cgroups.unit(path)).isEqualTo(unit);
        assertThat(Cgroups.container(path)).isEqualTo(container);
    }
}
